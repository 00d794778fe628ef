package jgpt.spark;

import static jgpt.spark.SparkRuns.assertClose;
import static jgpt.spark.SparkRuns.losses;
import static jgpt.spark.SparkRuns.tiny;
import static jgpt.spark.SparkRuns.train;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** train --spark local[2]: the same step as one machine, reproducible, resumable, unchanged by a retried task. */
class SparkTrainTest {
    @TempDir static Path tmp;
    static Path data;

    @BeforeAll static void prepare() { data = SparkRuns.prepared(tmp.resolve("data")); }

    @Test void nWorkersTrainLikeOneMachine() throws Exception {
        Path one = tmp.resolve("one");
        assertEquals(0, train(tiny(data, one, 20, "java"), "--replicas", "1"));
        List<Double> want = losses(one);
        assertEquals(20 + 5, want.size(), "20 steps and 5 validations");
        for (int n : new int[] {1, 2, 4}) {
            Path run = tmp.resolve("spark" + n);
            assertEquals(0, train(tiny(data, run, 20, "java"), "--spark", "local[2]", "--workers", String.valueOf(n)));
            assertClose(want, losses(run), 1e-5, n + " workers");
            for (String f : List.of("model.safetensors", "checkpoint/state.json", "best/model.safetensors", "loss.png", "spark.log", "spark-steps.jsonl"))
                assertTrue(Files.isRegularFile(run.resolve(f)), n + " workers: " + f);
        }
    }

    /** Naive kernels (bit-reproducible): two runs give the same bits, and so does a run where one task fails once and is retried. */
    @Test void deterministicAndUnchangedByARetriedTask() throws Exception {
        Path a = tmp.resolve("det-a"), b = tmp.resolve("det-b"), c = tmp.resolve("det-retry");
        assertEquals(0, train(tiny(data, a, 6, "naive"), "--spark", "local[2]", "--workers", "2"));
        assertEquals(0, train(tiny(data, b, 6, "naive"), "--spark", "local[2]", "--workers", "2"));
        assertEquals(losses(a), losses(b));
        assertArrayEquals(Files.readAllBytes(a.resolve("model.safetensors")), Files.readAllBytes(b.resolve("model.safetensors")));

        System.setProperty("spark.jgpt.test.failOnce", "1@3");
        try {
            assertEquals(0, train(tiny(data, c, 6, "naive"), "--spark", "local[2]", "--workers", "2"));
        } finally {
            System.clearProperty("spark.jgpt.test.failOnce");
        }
        assertTrue(Files.readString(c.resolve("spark.log")).contains("jgpt test hook: shard 1 of step 3"), "the hook made a task fail");
        assertEquals(losses(a), losses(c));
        assertArrayEquals(Files.readAllBytes(a.resolve("model.safetensors")), Files.readAllBytes(c.resolve("model.safetensors")));
    }

    @Test void resumeAfterAStopEqualsTheUninterruptedRun() throws Exception {
        Path whole = tmp.resolve("whole"), parts = tmp.resolve("parts");
        assertEquals(0, train(tiny(data, whole, 8, "naive"), "--spark", "local[2]", "--workers", "2"));
        assertEquals(0, train(tiny(data, parts, 4, "naive"), "--spark", "local[2]", "--workers", "2"));
        assertEquals(0, train(List.of("train", "--resume", parts.toString(), "--steps", "8", "--kernels", "naive", "--threads", "2",
                "--spark", "local[2]", "--workers", "2")));
        assertEquals(losses(whole), losses(parts));
        assertArrayEquals(Files.readAllBytes(whole.resolve("model.safetensors")), Files.readAllBytes(parts.resolve("model.safetensors")));
    }

    /** --data file:///… goes the cluster way: the driver reads headers and tokenizer through Hadoop, executors the rows. */
    @Test void dataAtAUriTrainsLikeALocalPath() throws Exception {
        Path plain = tmp.resolve("plain"), uri = tmp.resolve("uri");
        assertEquals(0, train(tiny(data, plain, 4, "naive"), "--spark", "local[2]", "--workers", "2"));
        assertEquals(0, train(tiny(data.toUri().toString(), uri, 4, "naive"), "--spark", "local[2]", "--workers", "2"));
        assertEquals(losses(plain), losses(uri));
        assertEquals(2, train(tiny("file:///nonexistent/jgpt-data", tmp.resolve("none"), 4, "naive"), "--spark", "local[2]", "--workers", "2"));
    }

    @Test void mistakesAreOneLine() {
        assertEquals(2, train(tiny(data, tmp.resolve("w9"), 2, "naive"), "--spark", "local[2]", "--workers", "9"));
        assertEquals(2, jgpt.cli.Main.run("train", "--data", SparkRuns.shakespeare().toString(), "--spark", "spark://127.0.0.1:1",
                "--out", tmp.resolve("text").toString()));
        assertFalse(Files.exists(tmp.resolve("text")));
    }

    @Test void localMastersRetryTasks() {
        assertEquals("local[2,4]", SparkBackend.withRetries("local[2]"));
        assertEquals("local[1,4]", SparkBackend.withRetries("local"));
        assertEquals("local[*,4]", SparkBackend.withRetries("local[*]"));
        assertEquals("local[2,3]", SparkBackend.withRetries("local[2,3]"));
        assertEquals("spark://127.0.0.1:7077", SparkBackend.withRetries("spark://127.0.0.1:7077"));
        assertTrue(SparkBackend.atLeast("4.2.0", 4, 2));
        assertFalse(SparkBackend.atLeast("4.1.1", 4, 2));
        assertFalse(SparkBackend.atLeast("3.5.3", 4, 2));
    }
}
