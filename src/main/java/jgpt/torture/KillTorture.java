package jgpt.torture;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Random;
import java.util.concurrent.TimeUnit;

/**
 * kill -9 at random moments: each run is a training started, SIGKILLed, resumed (or restarted when no
 * checkpoint exists yet), SIGKILLed again … until a process finishes on its own; then its metrics.jsonl (the
 * computed fields), model.safetensors and checkpoint must equal an uninterrupted run's bit for bit. Half the
 * kills wait for a checkpoint write to begin (checkpoint.tmp appears) so many land inside one.
 */
final class KillTorture {
    /** A training variant: extra flags on top of the base command. */
    record Variant(String name, List<String> flags) {}

    static final List<Variant> VARIANTS = List.of(
            new Variant("plain", List.of()),
            new Variant("replicas2", List.of("--replicas", "2")),
            new Variant("grad-accum2", List.of("--grad-accum", "2")),
            new Variant("dropout0.1", List.of("--dropout", "0.1")));

    /** Fields of a metrics line that are computed (not timed): they must match bit for bit. */
    static final List<String> EXACT = List.of("step", "loss", "lr", "grad_norm", "val_loss", "skipped");

    final Child jgpt;
    final Path work;
    final String data, kernels;
    final int threads, steps, maxKills;
    final Random rnd;
    final PrintStream log;
    int runs, kills, killsInCheckpoint, restartsFresh, mismatches, failures;

    KillTorture(Child jgpt, Path work, String data, String kernels, int threads, int steps, int maxKills, long seed, PrintStream log) {
        this.jgpt = jgpt; this.work = work; this.data = data; this.kernels = kernels; this.threads = threads; this.steps = steps;
        this.maxKills = maxKills; this.rnd = new Random(seed); this.log = log;
    }

    List<String> trainArgs(Variant v, Path out) {
        List<String> a = new ArrayList<>(List.of("train", "--data", data, "--cache", work.resolve("cache").toString(), "--tokenizer", "char",
                "--layers", "2", "--heads", "2", "--embd", "48", "--batch", "4", "--block", "32", "--steps", Integer.toString(steps),
                "--warmup", "3", "--lr", "3e-3", "--eval-every", "5", "--eval-batches", "2", "--checkpoint-every", "1",
                "--kernels", kernels, "--threads", Integer.toString(threads), "--peak-gflops", "100", "--out", out.toString()));
        a.addAll(v.flags());
        return a;
    }

    List<String> resumeArgs(Path out) {
        return List.of("train", "--resume", out.toString(), "--kernels", kernels, "--threads", Integer.toString(threads), "--peak-gflops", "100");
    }

    /** runsPerVariant torture runs of each variant against its reference run; returns true when all matched. */
    boolean run(List<Variant> variants, int runsPerVariant) throws IOException, InterruptedException { return run(variants, runsPerVariant, 0); }

    /** As above, with more runs of the first variant (at most as many again) until at least minKills kills were made. */
    boolean run(List<Variant> variants, int runsPerVariant, int minKills) throws IOException, InterruptedException {
        for (Variant v : variants) {
            Path ref = work.resolve("ref-" + v.name());
            long t0 = System.nanoTime();
            Child.Result r = jgpt.run(work.resolve("logs/ref-" + v.name()), 600, trainArgs(v, ref));
            long refMs = (System.nanoTime() - t0) / 1_000_000;
            if (r.code() != 0) throw new IllegalStateException("reference run " + v.name() + " failed (" + r.code() + "): " + r.err());
            for (int i = 0; i < runsPerVariant; i++) torture(v, ref, work.resolve("kill-" + v.name() + "-" + i), refMs);
            for (int i = runsPerVariant; kills < minKills && i < 2 * runsPerVariant; i++) torture(v, ref, work.resolve("kill-" + v.name() + "-" + i), refMs);
        }
        log.printf("kill -9: %d runs, %d kills (%d during a checkpoint write, %d before the first checkpoint: restarted), "
                + "%d mismatches, %d failures (kernels %s, %d threads)%n", runs, kills, killsInCheckpoint, restartsFresh, mismatches, failures, kernels, threads);
        return mismatches == 0 && failures == 0;
    }

    private void torture(Variant v, Path ref, Path out, long refMs) throws IOException, InterruptedException {
        runs++;
        int k = 0;
        for (int attempt = 0; ; attempt++) {
            boolean hasCheckpoint = Files.isRegularFile(out.resolve("checkpoint/state.json")) || Files.isRegularFile(out.resolve("checkpoint.old/state.json"));
            if (attempt > 0 && !hasCheckpoint) restartsFresh++;
            Path logf = work.resolve("logs/" + out.getFileName() + "-" + attempt);
            Process p = jgpt.start(logf, hasCheckpoint ? resumeArgs(out) : trainArgs(v, out));
            if (k < maxKills) {
                if (rnd.nextBoolean()) {              // wait for a checkpoint write after a random step to start, then kill inside it
                    Path tmp = out.resolve("checkpoint.tmp"), metrics = out.resolve("metrics.jsonl");
                    long after = rnd.nextInt(steps);
                    while (p.isAlive() && lines(metrics) < after) Thread.sleep(2);
                    while (p.isAlive() && !Files.exists(tmp)) Thread.onSpinWait();
                    if (rnd.nextBoolean()) TimeUnit.MICROSECONDS.sleep(rnd.nextInt(3000));
                } else {
                    p.waitFor(1 + (long) (rnd.nextDouble() * refMs), TimeUnit.MILLISECONDS);
                }
                boolean inCheckpoint = Files.exists(out.resolve("checkpoint.tmp"));
                if (p.isAlive()) {
                    p.destroyForcibly();                  // SIGKILL on Linux
                    p.waitFor();
                    kills++;
                    k++;
                    if (inCheckpoint) killsInCheckpoint++;
                    continue;
                }
            }
            if (!p.waitFor(600, TimeUnit.SECONDS)) { p.destroyForcibly(); p.waitFor(); }
            Child.Result r = Child.result(logf, p.exitValue(), false);
            if (r.code() != 0) {
                failures++;
                log.printf("  FAIL %s attempt %d: exit %d: %s%n", out, attempt, r.code(), r.err().strip());
                return;
            }
            break;
        }
        String diff = compare(ref, out);
        if (diff != null) {
            mismatches++;
            log.printf("  MISMATCH %s after %d kills: %s%n", out, k, diff);
        }
    }

    static long lines(Path f) {
        try {
            return Files.exists(f) ? Files.readAllLines(f).size() : 0;
        } catch (IOException e) {
            return 0;                         // being rewritten at this moment
        }
    }

    /** Null when the runs' results are equal bit for bit, else what differs. */
    static String compare(Path ref, Path run) throws IOException {
        for (String f : List.of("model.safetensors", "checkpoint/model.safetensors", "checkpoint/optimizer.safetensors", "checkpoint/state.json"))
            if (!Arrays.equals(Files.readAllBytes(ref.resolve(f)), Files.readAllBytes(run.resolve(f)))) return f + " differs";
        List<String> a = Files.readAllLines(ref.resolve("metrics.jsonl")), b = Files.readAllLines(run.resolve("metrics.jsonl"));
        if (a.size() != b.size()) return "metrics.jsonl has " + b.size() + " lines, the reference " + a.size();
        ObjectMapper om = new ObjectMapper();
        for (int i = 0; i < a.size(); i++) {
            JsonNode x = om.readTree(a.get(i)), y = om.readTree(b.get(i));
            for (String key : EXACT)
                if (!x.path(key).toString().equals(y.path(key).toString()))
                    return "metrics.jsonl line " + (i + 1) + " " + key + ": " + y.path(key) + " vs " + x.path(key);
        }
        return null;
    }
}
