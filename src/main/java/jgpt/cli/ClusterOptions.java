package jgpt.cli;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ServiceLoader;
import jgpt.UserError;
import jgpt.data.TokenFile;
import jgpt.model.GPT;
import jgpt.train.StepGradients;
import jgpt.train.TrainConfig;
import picocli.CommandLine.Option;

/** {@code train --spark MASTER --workers N}: the step's gradients computed by a cluster backend (jgpt-spark). */
final class ClusterOptions {
    @Option(names = "--spark", paramLabel = "MASTER", description = "Train data-parallel on Apache Spark: local[K], spark://HOST:PORT, yarn, k8s://… "
            + "(needs the jgpt-spark module: ./jgpt adds it when --spark is given).") String master;
    @Option(names = "--workers", description = "With --spark: shards (Spark tasks) per micro-batch, at most --batch (default 2).") Integer workers;

    boolean on() { return master != null; }

    /** A raw text is tokenized by the driver, so on a real cluster it must be prepared first. */
    void checkData(String data) {
        if (master == null && workers != null) throw new UserError("--workers needs --spark MASTER");
        if (master == null || master.startsWith("local") || data == null || remote(data)) return;
        Path p = Path.of(data);
        boolean text = data.equals("tinyshakespeare") || (Files.isRegularFile(p) && !p.getFileName().toString().endsWith(".bin") && !isTokenFile(p));
        if (text)
            throw new UserError("--data " + data + " is text: with --spark " + master + " prepare it first (jgpt prepare --input " + data
                    + " --out DIR) and pass --data DIR where every executor can read it");
    }

    private static boolean isTokenFile(Path p) {
        try (TokenFile f = TokenFile.open(p)) { return f.format() == TokenFile.Format.LLMC; } catch (UserError e) { return false; }
    }

    /** --data scheme://… with --spark: read by the cluster's file systems (hdfs://, s3a://, file://), not opened here. */
    boolean remote(String data) { return master != null && data != null && data.matches("[a-zA-Z][a-zA-Z0-9+.-]*://.*"); }

    StepGradients.RemoteData openRemote(String data) { return backend().openData(data); }

    /** The backend's gradients for this run, or null without --spark. */
    StepGradients open(GPT model, String kernels, TrainConfig tc, TokenFile train, TokenFile val, Path runDir) {
        if (master == null) return null;
        int n = workers != null ? workers : 2;
        if (n < 1 || n > tc.batch()) throw new UserError("--workers must be between 1 and --batch (" + tc.batch() + "), got " + n);
        return backend().open(new StepGradients.Run(master, n, model, kernels, tc, train, val, runDir, System.out));
    }

    private static StepGradients.Backend backend() {
        for (StepGradients.Backend b : ServiceLoader.load(StepGradients.Backend.class))
            if (b.name().equals("spark")) return b;
        throw new UserError("--spark needs the jgpt-spark module on the class path: run ./jgpt (it adds it), or spark-submit the jgpt-spark jar");
    }
}
