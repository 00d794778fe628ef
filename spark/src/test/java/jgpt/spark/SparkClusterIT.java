package jgpt.spark;

import static jgpt.spark.SparkRuns.losses;
import static jgpt.spark.SparkRuns.tiny;
import static jgpt.spark.SparkRuns.train;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * scripts/spark-cluster.sh starts a standalone master and 2 worker JVMs on 127.0.0.1; training on it with a
 * worker (and its executor) killed in the middle of a step gives the losses of a local[2] run, bit for bit.
 * An IT (failsafe, after package): the executors load the packaged jgpt-spark jar.
 */
class SparkClusterIT {
    @TempDir static Path tmp;
    static final int PORT = 17277;

    static int cluster(String command) throws Exception {
        ProcessBuilder pb = new ProcessBuilder(Path.of("..", "scripts", "spark-cluster.sh").toAbsolutePath().normalize().toString(), command)
                .redirectErrorStream(true).redirectOutput(ProcessBuilder.Redirect.appendTo(tmp.resolve("cluster.out").toFile()));
        pb.environment().put("JGPT_SPARK_PORT", String.valueOf(PORT));
        pb.environment().put("JGPT_SPARK_STATE", tmp.resolve("cluster").toString());
        pb.environment().put("JGPT_SPARK_WORKER_MEMORY", "1g");
        Process p = pb.start();
        if (!p.waitFor(180, TimeUnit.SECONDS)) { p.destroyForcibly(); return -1; }
        return p.exitValue();
    }

    @Test void aWorkerKilledDuringAStepChangesNoLoss() throws Exception {
        Path data = SparkRuns.prepared(tmp.resolve("data"));
        Path local = tmp.resolve("local"), run = tmp.resolve("cluster-run");
        assertEquals(0, train(tiny(data, local, 5, "naive"), "--spark", "local[2]", "--workers", "2"));

        assertEquals(0, cluster("start"), () -> read(tmp.resolve("cluster.out")));
        AtomicLong killed = new AtomicLong(-1);
        Thread killer = new Thread(() -> killWorkerDuringStep(run.resolve("spark-steps.jsonl"), tmp.resolve("cluster/worker1.pid"), killed));
        System.setProperty("spark.jgpt.test.taskDelayMs", "2000");
        try {
            killer.start();
            assertEquals(0, train(tiny(data, run, 5, "naive"), "--spark", "spark://127.0.0.1:" + PORT, "--workers", "2"));
            killer.join(10_000);
        } finally {
            System.clearProperty("spark.jgpt.test.taskDelayMs");
            killer.interrupt();
            cluster("stop");
        }
        assertTrue(killed.get() >= 0, "a worker was killed during step " + killed.get());
        assertEquals(losses(local), losses(run));
        assertTrue(Files.readString(run.resolve("spark.log")).contains("Lost executor") || Files.readString(run.resolve("spark.log")).contains("lost"),
                "the driver saw the executor go");
    }

    /** Once 2 steps are logged, waits 1 s into the next (its tasks sleep 2 s first) and kills worker 1 and its executor. */
    private static void killWorkerDuringStep(Path steps, Path pidFile, AtomicLong killed) {
        try {
            long deadline = System.nanoTime() + TimeUnit.MINUTES.toNanos(5);
            while (System.nanoTime() < deadline && (!Files.exists(steps) || Files.readAllLines(steps).size() < 2)) Thread.sleep(100);
            Thread.sleep(1000);
            long pid = Long.parseLong(Files.readString(pidFile).strip());
            ProcessHandle worker = ProcessHandle.of(pid).orElseThrow();
            worker.descendants().forEach(ProcessHandle::destroyForcibly);   // the executor it started
            worker.destroyForcibly();
            killed.set(Files.readAllLines(steps).size());
        } catch (Exception e) {
            // the assertion on `killed` reports it
        }
    }

    private static String read(Path p) {
        try { return Files.readString(p); } catch (Exception e) { return ""; }
    }
}
