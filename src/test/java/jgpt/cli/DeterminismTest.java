package jgpt.cli;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import jgpt.TestData;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The same training command gives the same bits — in fresh JVMs, whatever the JIT compiled first (C1 only
 * vs the full tiered pipeline), on 1 or 2 threads, and after a stop and --resume in another JVM — with the
 * fast kernels (pure Java and OpenBLAS). (Without tiered compilation — the interpreter, then C2 — the bits
 * agreed too, but the interpreter runs the Vector API's fallbacks for minutes, too long for the suite.) Compared: every metrics.jsonl value but the timings, and the final
 * model.safetensors byte for byte.
 */
class DeterminismTest {
    @TempDir Path tmp;

    static final String[] TIMINGS = {"ms", "tokens_per_s", "mfu", "peak_flops"};

    /** jgpt.cli.Main in a new JVM with extra JVM flags; fails on a non-zero exit. */
    static void jgpt(List<String> jvmFlags, String... args) throws Exception {
        List<String> cmd = new ArrayList<>(List.of(ProcessHandle.current().info().command().orElseThrow(),
                "--add-modules", "jdk.incubator.vector", "--enable-native-access=ALL-UNNAMED", "-XX:+UseParallelGC", "-Xmx1g"));
        cmd.addAll(jvmFlags);
        cmd.addAll(List.of("-cp", System.getProperty("java.class.path"), "jgpt.cli.Main"));
        cmd.addAll(List.of(args));
        Process p = new ProcessBuilder(cmd).redirectErrorStream(true).start();
        byte[] out = p.getInputStream().readAllBytes();
        if (!p.waitFor(300, TimeUnit.SECONDS)) p.destroyForcibly();
        assertEquals(0, p.exitValue(), String.join(" ", args) + "\n" + new String(out));
    }

    static String[] train(Path out, String kernels, String threads, String... extra) {
        List<String> a = new ArrayList<>(List.of("train", "--data", TestData.shakespeare().toString(), "--tokenizer", "char",
                "--cache", out.getParent().resolve("cache").toString(), "--layers", "2", "--heads", "2", "--embd", "32",
                "--batch", "8", "--block", "32", "--steps", "16", "--eval-every", "4", "--eval-batches", "2",
                "--schedule", "constant", "--warmup", "4", "--dropout", "0.1", "--grad-accum", "2",
                "--kernels", kernels, "--threads", threads, "--out", out.toString(),
                "--peak-gflops", "100"));   // no peak measurement at start: a big product, very slow in C1-only JVMs
        a.addAll(List.of(extra));
        return a.toArray(String[]::new);
    }

    /** metrics.jsonl without the timing fields. */
    static List<String> metrics(Path run) throws Exception {
        ObjectMapper json = new ObjectMapper();
        List<String> out = new ArrayList<>();
        for (String line : Files.readAllLines(run.resolve("metrics.jsonl"))) {
            var o = (com.fasterxml.jackson.databind.node.ObjectNode) json.readTree(line);
            for (String t : TIMINGS) o.remove(t);
            out.add(o.toString());
        }
        return out;
    }

    static void assertSameRun(Path a, Path b) throws Exception {
        assertEquals(metrics(a), metrics(b), a + " vs " + b);
        assertArrayEquals(Files.readAllBytes(a.resolve("model.safetensors")), Files.readAllBytes(b.resolve("model.safetensors")), a + " vs " + b);
    }

    @Test void javaKernelsGiveTheSameBitsWhateverTheJitAndThreads() throws Exception {
        Path a = tmp.resolve("a"), b = tmp.resolve("b"), c = tmp.resolve("c");
        jgpt(List.of(), train(a, "java", "1", "--replicas", "1"));
        // C1 only runs the Vector API's Java fallbacks, tens of times slower: its first 4 steps (the schedule
        // is constant, so they are the long run's first 4) against the long run's
        jgpt(List.of("-XX:TieredStopAtLevel=1"), override(train(b, "java", "2", "--replicas", "1"), "--steps", "4"));
        jgpt(List.of("-Xbatch", "-XX:CICompilerCount=2"), train(c, "java", "1", "--replicas", "1"));   // compiles block the caller: another order of tiers
        assertEquals(metrics(a).subList(0, 4), metrics(b));
        assertSameRun(a, c);
        JsonNode last = new ObjectMapper().readTree(Files.readAllLines(a.resolve("metrics.jsonl")).getLast());
        assertEquals(15, last.get("step").asInt());
    }

    @Test void replicasAndResumeInAnotherJvmGiveTheSameBits() throws Exception {
        Path whole = tmp.resolve("whole"), cut = tmp.resolve("cut");
        jgpt(List.of(), train(whole, "java", "2", "--replicas", "2"));
        jgpt(List.of("-XX:TieredStopAtLevel=1"), override(train(cut, "java", "2", "--replicas", "2", "--checkpoint-every", "4"), "--steps", "4"));
        // resumed on one thread without --replicas: the run's 2 replicas are restored, so the bits are the same
        jgpt(List.of(), "train", "--resume", cut.toString(), "--steps", "16", "--threads", "1");
        assertSameRun(whole, cut);
    }

    @Test void openBlasProductsGiveTheSameBitsOnOneOrTwoThreads() throws Exception {
        // wide enough that the matrix products go to OpenBLAS (>= 200 MFLOP), in bands of one per thread
        Path a = tmp.resolve("blas1"), b = tmp.resolve("blas2");
        String[] shape = {"--embd", "256", "--heads", "4", "--batch", "8", "--block", "128", "--steps", "3", "--eval-every", "0"};
        jgpt(List.of(), override(train(a, "blas", "1", "--replicas", "1"), shape));
        jgpt(List.of(), override(train(b, "blas", "2", "--replicas", "1"), shape));
        assertSameRun(a, b);
    }

    /** args with each flag of pairs (flag, value) set to its value. */
    static String[] override(String[] args, String... pairs) {
        String[] a = args;
        for (int i = 0; i < pairs.length; i += 2) a = TrainCommandTest.set(a, pairs[i], pairs[i + 1]);
        return a;
    }
}
