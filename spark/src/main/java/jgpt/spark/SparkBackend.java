package jgpt.spark;

import java.io.IOException;
import java.lang.management.ManagementFactory;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.net.URISyntaxException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import jgpt.UserError;
import jgpt.data.TokenFile;
import jgpt.tokenizer.Tokenizer;
import jgpt.tokenizer.Tokenizers;
import jgpt.train.StepGradients;
import org.apache.hadoop.conf.Configuration;
import org.apache.hadoop.fs.FileSystem;
import org.apache.spark.SparkConf;
import org.apache.spark.api.java.JavaSparkContext;
import scala.Tuple2;

/** {@code train --spark MASTER}: starts the Spark context and hands the trainer {@link SparkGradients}. */
public final class SparkBackend implements StepGradients.Backend {
    /** JVM flags Spark needs on JDK 25, plus the Vector API module the kernels use: scripts/spark-jvm-flags, as a resource. */
    static final String EXECUTOR_FLAGS = executorFlags();

    /** A task that fails is tried this many times (local masters too) before the step fails. */
    static final int TASK_TRIES = 4;

    @Override public String name() { return "spark"; }

    @Override public StepGradients open(StepGradients.Run r) {
        checkJvm();
        quietLogs(r.runDir().resolve("spark.log"));
        SparkConf conf = new SparkConf().setAppName("jgpt train " + r.runDir().getFileName());
        String master = withRetries(r.master());
        conf.setMaster(master);
        conf.setIfMissing("spark.ui.enabled", "false");
        conf.setIfMissing("spark.task.maxFailures", String.valueOf(TASK_TRIES));
        conf.setIfMissing("spark.driver.maxResultSize", "0");      // N gradients come back every step
        conf.setIfMissing("spark.executor.extraJavaOptions", EXECUTOR_FLAGS);
        if (loopback(master)) {
            conf.setIfMissing("spark.driver.host", "127.0.0.1");
            conf.setIfMissing("spark.driver.bindAddress", "127.0.0.1");
        }
        if (!master.startsWith("local") && !conf.contains("spark.jars")) {
            Path jar = ourJar();
            if (jar == null) throw new UserError("--spark " + master + " needs the jgpt-spark jar to ship to executors: build it (mvn -f spark/pom.xml package)");
            conf.setJars(new String[] {jar.toUri().toString()});
        }
        JavaSparkContext sc = new JavaSparkContext(conf);
        try {
            String v = sc.version();
            if (!atLeast(v, 4, 2)) throw new UserError("Spark " + v + " is too old: jgpt needs Spark 4.2 or newer (the first on JDK 25)");
            Map<String, String> hadoop = hadoopSettings(conf);
            var tc = r.train();
            Job job = new Job(r.model().cfg, r.kernels(), tc.batch(), tc.block(), r.workers(), tc.dropout(),
                    rows(r.trainTokens()), r.valTokens() == null ? null : rows(r.valTokens()), hadoop, conf.get("spark.jgpt.test.failOnce", null), conf.getLong("spark.jgpt.test.taskDelayMs", 0));
            r.log().printf("spark %s on %s: each micro-batch of %d split into %d tasks, %s kernels (Spark's log: %s)%n",
                    v, master, tc.batch(), r.workers(), r.kernels(), r.runDir().resolve("spark.log"));
            return new SparkGradients(sc, r.model(), tc, job, r.runDir(), r.log());
        } catch (RuntimeException e) {
            sc.stop();
            throw e;
        }
    }

    private static TokenRows rows(TokenFile f) { return new TokenRows(f.uri(), f.dataOffset(), f.size()); }

    @Override public StepGradients.RemoteData openData(String uri) {
        Configuration conf = new Configuration();
        hadoopSettings(new SparkConf()).forEach(conf::set);
        try {
            org.apache.hadoop.fs.Path p = new org.apache.hadoop.fs.Path(uri);
            FileSystem fs = p.getFileSystem(conf);
            if (!fs.exists(p)) throw new UserError("--data " + uri + " does not exist (prepare it with 'jgpt prepare' and copy the directory there)");
            boolean dir = fs.getFileStatus(p).isDirectory();
            org.apache.hadoop.fs.Path train = dir ? new org.apache.hadoop.fs.Path(p, "train.bin") : p;
            org.apache.hadoop.fs.Path val = dir ? new org.apache.hadoop.fs.Path(p, "val.bin") : null;
            org.apache.hadoop.fs.Path tok = new org.apache.hadoop.fs.Path(dir ? p : p.getParent(), Tokenizers.FILE);
            if (!fs.exists(train)) throw new UserError(uri + " has no train.bin: prepare one with 'jgpt prepare --input FILE --out DIR'");
            if (!fs.exists(tok)) throw new UserError(uri + " has no " + Tokenizers.FILE + " beside its tokens: copy the prepared directory whole");
            Path local = Files.createTempFile("jgpt-tokenizer", ".json");
            try {
                fs.copyToLocalFile(false, tok, new org.apache.hadoop.fs.Path(local.toUri()), true);
                Tokenizer t = Tokenizers.load(local);
                return new StepGradients.RemoteData(header(fs, train), val != null && fs.exists(val) ? header(fs, val) : null, t, tok.toString());
            } finally {
                Files.deleteIfExists(local);
            }
        } catch (IOException e) {
            throw new UserError("cannot read --data " + uri + ": " + e.getMessage(), e);
        }
    }

    /** A token file's layout and count from its first 1024 bytes and its length (see {@link TokenFile}). */
    private static TokenFile header(FileSystem fs, org.apache.hadoop.fs.Path p) throws IOException {
        long len = fs.getFileStatus(p).getLen();
        byte[] head = new byte[(int) Math.min(len, TokenFile.HEADER_BYTES)];
        try (var in = fs.open(p)) { in.readFully(0, head); }
        ByteBuffer b = ByteBuffer.wrap(head).order(ByteOrder.LITTLE_ENDIAN);
        if (head.length >= 12 && b.getInt(0) == TokenFile.MAGIC) {
            long count = Integer.toUnsignedLong(b.getInt(8));
            if (b.getInt(4) != TokenFile.VERSION || len != TokenFile.HEADER_BYTES + 2 * count)
                throw new UserError(p + " is not a whole llm.c token file (version " + b.getInt(4) + ", " + count + " tokens announced, " + len + " bytes)");
            return TokenFile.remote(p.toString(), TokenFile.Format.LLMC, count);
        }
        if (len % 2 != 0) throw new UserError(p + " has an odd byte length (" + len + "), so it is not a file of uint16 tokens");
        return TokenFile.remote(p.toString(), TokenFile.Format.NANOGPT, len / 2);
    }

    private static Map<String, String> hadoopSettings(SparkConf conf) {
        Map<String, String> hadoop = new HashMap<>();
        for (Tuple2<String, String> e : conf.getAllWithPrefix("spark.hadoop.")) hadoop.put(e._1(), e._2());
        return hadoop;
    }

    private static String executorFlags() {
        try (var in = SparkBackend.class.getResourceAsStream("spark-jvm-flags")) {
            if (in == null) throw new IllegalStateException("spark-jvm-flags missing from the jgpt-spark jar");
            return new String(in.readAllBytes(), java.nio.charset.StandardCharsets.UTF_8).strip().replaceAll("\\s+", " ") + " -XX:+UseParallelGC";
        } catch (IOException e) {
            throw new java.io.UncheckedIOException(e);
        }
    }

    /** local[K] → local[K,4]: local masters retry a failed task only when asked to. */
    static String withRetries(String master) {
        Matcher m = Pattern.compile("local(?:\\[([^,\\]]+)])?").matcher(master.trim());
        return m.matches() ? "local[" + (m.group(1) == null ? "1" : m.group(1)) + "," + TASK_TRIES + "]" : master.trim();
    }

    private static boolean loopback(String master) {
        return master.startsWith("local") || master.contains("://127.0.0.1") || master.contains("://localhost");
    }

    static boolean atLeast(String version, int major, int minor) {
        Matcher m = Pattern.compile("(\\d+)\\.(\\d+).*").matcher(version);
        if (!m.matches()) return false;
        int a = Integer.parseInt(m.group(1)), b = Integer.parseInt(m.group(2));
        return a > major || (a == major && b >= minor);
    }

    /** JDK 25.0.0–25.0.2 with G1 crash under Spark's load; 25.0.3 or another collector is fine. */
    static void checkJvm() {
        Runtime.Version v = Runtime.version();
        boolean g1 = ManagementFactory.getGarbageCollectorMXBeans().stream().anyMatch(b -> b.getName().startsWith("G1"));
        if (v.feature() == 25 && v.update() < 3 && g1)
            throw new UserError("JDK " + v + " with the G1 collector is not safe for Spark: use JDK 25.0.3 or newer, or -XX:+UseParallelGC");
    }

    /** Spark's log into RUNDIR/spark.log, only errors on the terminal (unless the user configured log4j). */
    private static void quietLogs(Path file) {
        var cfg = SparkBackend.class.getResource("log4j2.properties");
        String given = System.getProperty("log4j2.configurationFile");
        if (cfg == null || (given != null && !given.equals(cfg.toString()))) return;
        System.setProperty("jgpt.spark.log", file.toAbsolutePath().toString());
        System.setProperty("log4j2.configurationFile", cfg.toString());
        try {   // Spark's logger context (under spark-submit our classes have another loader), also when already running
            var ctx = (org.apache.logging.log4j.core.LoggerContext) org.apache.logging.log4j.LogManager.getContext(SparkConf.class.getClassLoader(), false);
            ctx.setConfigLocation(cfg.toURI());
        } catch (URISyntaxException e) {
            throw new IllegalStateException(e);
        }
    }

    /** The jar this class came from (the shaded jgpt-spark jar), else target/jgpt-spark.jar beside target/classes. */
    static Path ourJar() {
        try {
            Path src = Path.of(SparkBackend.class.getProtectionDomain().getCodeSource().getLocation().toURI());
            if (Files.isRegularFile(src) && src.toString().endsWith(".jar")) return src;
            Path jar = src.resolveSibling("jgpt-spark.jar");
            return Files.isRegularFile(jar) ? jar : null;
        } catch (URISyntaxException | SecurityException e) {
            return null;
        }
    }
}
