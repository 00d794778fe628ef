package jgpt.train;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import jgpt.UserError;
import jgpt.data.BatchSource;
import jgpt.data.Batches;
import jgpt.data.TokenFile;
import jgpt.model.GPT;
import jgpt.tensor.NaiveKernels;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** What the torture harness (RELIABILITY.md) found or checks, as unit tests: non-finite steps, the run lock, stale metrics. */
class CrashSafetyTest {
    @TempDir Path tmp;

    TokenFile data() {
        return TokenFile.open(TrainerTest.tokens(tmp, 3000, 23));
    }

    static TrainConfig config(int steps, int checkpointEvery) {
        return new TrainConfig(3, 8, steps, 1, "adamw", 3e-3, 3e-4, 0.9, 0.95, 1e-8, 0.1, 0, "cosine", 2, 1.0,
                0, "random", 0, 0, checkpointEvery, 11);
    }

    /** The gradient gets a NaN during the n-th batch (forward + backward add into it). */
    static BatchSource nanGradientAt(BatchSource inner, GPT model, int call) {
        return new BatchSource() {
            int seen;
            public void next(int[] x, int[] y) { inner.next(x, y); }
            public void nextStarts(long[] starts) { inner.nextStarts(starts); }
            public void read(long[] starts, int[] x, int[] y) { inner.read(starts, x, y); if (++seen == call) model.grads().set(0, Double.NaN); }
            public long[] state() { return inner.state(); }
            public void restore(long[] s) { inner.restore(s); }
        };
    }

    static boolean allFinite(GPT m) {
        for (float v : m.params.f) if (!Float.isFinite(v)) return false;
        return true;
    }

    @Test void aNanGradientStopsTheRunNamingTheStepWithoutUpdatingAndKeepsTheCheckpoint() throws Exception {
        TokenFile tf = data();
        TrainConfig tc = config(10, 4);
        GPT model = TrainerTest.model();
        Path run = tmp.resolve("nan");
        Trainer t = new Trainer(model, null, tc, nanGradientAt(Batches.random(tf, 3, 8, tc.seed()), model, 7), null, run, 1e11, TrainerTest.QUIET);
        NonFiniteStep e = assertThrows(NonFiniteStep.class, t::run);
        assertTrue(e.getMessage().startsWith("step 6: the gradient norm became NaN"), e.getMessage());
        assertTrue(e.getMessage().contains("last good checkpoint (step 4)") && !e.getMessage().contains("--"), e.getMessage());
        assertEquals(4, e.checkpointStep);
        assertEquals(run, e.runDir);
        assertEquals(tc.lr() / 2, e.lowerLr, 0);
        assertTrue(allFinite(model), "the NaN step must not reach the weights");
        assertEquals(4, Checkpoint.readState(run).step());
        GPT loaded = jgpt.io.ModelStore.load(run.resolve("checkpoint"), new NaiveKernels());
        assertTrue(allFinite(loaded));

        // resumed with a lower rate (what --resume --lr does), it runs to the end
        TrainConfig lower = new TrainConfig(3, 8, 10, 1, "adamw", 1e-3, 3e-4, 0.9, 0.95, 1e-8, 0.1, 0, "cosine", 2, 1.0, 0, "random", 0, 0, 4, 11);
        Trainer r = new Trainer(TrainerTest.model(), null, lower, Batches.random(tf, 3, 8, tc.seed()), null, run, 1e11, TrainerTest.QUIET);
        r.resume();
        r.run();
        assertEquals(10, r.step());
        assertEquals(10, TrainerTest.losses(run).size());
    }

    @Test void skipDropsTheNonFiniteStepAndMarksItInMetrics() throws Exception {
        TokenFile tf = data();
        TrainConfig tc = config(8, 0);
        GPT model = TrainerTest.model();
        Path run = tmp.resolve("skip");
        new Trainer(model, null, tc, nanGradientAt(Batches.random(tf, 3, 8, tc.seed()), model, 3), null, run, 1e11, TrainerTest.QUIET)
                .skipNonFinite(true).run();
        assertTrue(allFinite(model));
        List<String> lines = Files.readAllLines(run.resolve("metrics.jsonl"));
        assertEquals(8, lines.size());
        for (int i = 0; i < 8; i++) assertEquals(i == 2, lines.get(i).contains("\"skipped\":true"), lines.get(i));
    }

    @Test void aFreshRunDropsMetricsLeftByAnAttemptThatNeverCheckpointed() throws Exception {
        TokenFile tf = data();
        Path run = tmp.resolve("fresh");
        Files.createDirectories(run);
        Files.writeString(run.resolve("metrics.jsonl"), "{\"step\":0,\"loss\":9.9}\n{\"step\":1,\"loss\":9.8}\n");   // killed before its first checkpoint
        TrainConfig tc = config(3, 0);
        new Trainer(TrainerTest.model(), null, tc, Batches.random(tf, 3, 8, tc.seed()), null, run, 1e11, TrainerTest.QUIET).run();
        List<String> lines = Files.readAllLines(run.resolve("metrics.jsonl"));
        assertEquals(3, lines.size(), String.join("\n", lines));
        assertTrue(lines.get(0).startsWith("{\"step\":0,") && !lines.get(0).contains("9.9"));
    }

    /** A run stopped by --steps evaluates at its end; resumed further, that extra val_loss must go (DeterminismTest found it). */
    @Test void aRunExtendedByResumeHasTheMetricsOfAnUninterruptedOne() throws Exception {
        TokenFile tf = data();
        java.util.function.Function<Integer, TrainConfig> cfg = steps -> new TrainConfig(3, 8, steps, 1, "adamw", 3e-3, 3e-4, 0.9, 0.95, 1e-8, 0.1, 0,
                "constant", 2, 1.0, 0, "random", 4, 2, 0, 11);
        Path whole = tmp.resolve("whole"), cut = tmp.resolve("cut");
        new Trainer(TrainerTest.model(), null, cfg.apply(8), Batches.random(tf, 3, 8, 11), () -> Batches.random(tf, 3, 8, 5), whole, 1e11, TrainerTest.QUIET).run();
        new Trainer(TrainerTest.model(), null, cfg.apply(3), Batches.random(tf, 3, 8, 11), () -> Batches.random(tf, 3, 8, 5), cut, 1e11, TrainerTest.QUIET).run();
        Trainer more = new Trainer(TrainerTest.model(), null, cfg.apply(8), Batches.random(tf, 3, 8, 11), () -> Batches.random(tf, 3, 8, 5), cut, 1e11, TrainerTest.QUIET);
        more.resume();
        more.run();
        java.util.function.Function<Path, List<String>> computed = run -> {
            try {
                return Files.readAllLines(run.resolve("metrics.jsonl")).stream().map(l -> l.replaceAll(",\"ms\".*?,\"peak_flops\":[^,}]*", "")).toList();
            } catch (java.io.IOException e) { throw new java.io.UncheckedIOException(e); }
        };
        assertEquals(computed.apply(whole), computed.apply(cut));
        assertTrue(computed.apply(whole).get(3).contains("val_loss") && !computed.apply(whole).get(2).contains("val_loss"));
    }

    @Test void theRunLockRefusesASecondHolderNamingItAndIsFreeOnceReleased() throws Exception {
        Path run = tmp.resolve("locked");
        try (RunLock a = RunLock.acquire(run)) {
            UserError e = assertThrows(UserError.class, () -> RunLock.acquire(run));
            assertTrue(e.getMessage().contains("process " + ProcessHandle.current().pid()), e.getMessage());
        }
        Files.writeString(run.resolve(RunLock.FILE), "999999999\n");     // text left by a killed process: no lock held
        try (RunLock b = RunLock.acquire(run)) {
            assertEquals(ProcessHandle.current().pid() + "", Files.readString(run.resolve(RunLock.FILE)).strip());
        }
    }
}
