package jgpt.train;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.PrintStream;
import java.io.OutputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Random;
import jgpt.data.BatchSource;
import jgpt.data.Batches;
import jgpt.data.TokenFile;
import jgpt.model.Config;
import jgpt.model.GPT;
import jgpt.tensor.DType;
import jgpt.tensor.NaiveKernels;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class TrainerTest {
    static final PrintStream QUIET = new PrintStream(OutputStream.nullOutputStream());
    @TempDir Path tmp;

    /** A token file with learnable structure (a noisy repeating pattern), so losses move. */
    Path tokens(int n, int vocab) { return tokens(tmp, n, vocab); }

    static Path tokens(Path tmp, int n, int vocab) {
        int[] t = new int[n];
        Random r = new Random(5);
        for (int i = 0; i < n; i++) t[i] = r.nextInt(10) == 0 ? r.nextInt(vocab) : (i * 7 % vocab);
        Path p = tmp.resolve("train.bin");
        TokenFile.write(p, t, vocab);
        return p;
    }

    static TrainConfig config(int steps, int checkpointEvery) {
        return new TrainConfig(3, 8, steps, 2, "adamw", 3e-3, 3e-4, 0.9, 0.95, 1e-8, 0.1, 0, "cosine", 3, 1.0,
                0.1, "random", 0, 0, checkpointEvery, 11);
    }

    static GPT model() { return new GPT(Config.gpt2(23, 8, 2, 2, 16), DType.F32, new NaiveKernels()).initGpt2(3); }

    static List<Double> losses(Path run) throws Exception {
        ObjectMapper om = new ObjectMapper();
        return Files.readAllLines(run.resolve("metrics.jsonl")).stream().map(l -> {
            try { return om.readTree(l); } catch (Exception e) { throw new RuntimeException(e); }
        }).map(n -> n.get("loss").asDouble()).toList();
    }

    /** Simulates a crash: the data source dies on its n-th call. */
    static BatchSource crashingAfter(BatchSource inner, int calls) {
        return new BatchSource() {
            int seen;
            public void next(int[] x, int[] y) { if (++seen > calls) throw new IllegalStateException("simulated crash"); inner.next(x, y); }
            public void nextStarts(long[] s) { if (++seen > calls) throw new IllegalStateException("simulated crash"); inner.nextStarts(s); }
            public void read(long[] s, int[] x, int[] y) { inner.read(s, x, y); }
            public long[] state() { return inner.state(); }
            public void restore(long[] s) { inner.restore(s); }
        };
    }

    @Test void resumeAfterCrashReproducesEveryLaterLossExactly() throws Exception {
        Path data = tokens(5000, 23);
        TokenFile tf = TokenFile.open(data);
        TrainConfig tc = config(12, 4);

        Path a = tmp.resolve("a");
        new Trainer(model(), null, tc, Batches.random(tf, 3, 8, tc.seed()), null, a, 1e11, QUIET).run();
        List<Double> full = losses(a);
        assertEquals(12, full.size());
        assertTrue(full.get(11) < full.get(0), "training should lower the loss: " + full);

        // the same run dies during step 7 (2 micro-batches per step), after the checkpoint of step 4
        Path b = tmp.resolve("b");
        Trainer crashing = new Trainer(model(), null, tc, crashingAfter(Batches.random(tf, 3, 8, tc.seed()), 13), null, b, 1e11, QUIET);
        assertThrows(IllegalStateException.class, crashing::run);
        assertEquals(4, Checkpoint.readState(b).step());
        assertEquals(6, losses(b).size());

        // a new process: fresh model with different init, resume from the checkpoint
        GPT fresh = new GPT(Config.gpt2(23, 8, 2, 2, 16), DType.F32, new NaiveKernels()).initGpt2(999);
        Trainer resumed = new Trainer(fresh, null, tc, Batches.random(tf, 3, 8, 12345), null, b, 1e11, QUIET);
        resumed.resume();
        resumed.run();
        List<Double> after = losses(b);
        assertEquals(12, after.size(), "metrics after the checkpoint are rewritten, not duplicated");
        for (int i = 0; i < 12; i++)
            assertEquals(full.get(i), after.get(i), 0.0, "loss of step " + i + " after resume");
        GPT ma = jgpt.io.ModelStore.load(a, new NaiveKernels()), mb = jgpt.io.ModelStore.load(b, new NaiveKernels());
        assertArrayEquals(ma.params.f, mb.params.f, "final weights equal bit for bit");
    }

    @Test void validationAndBestCheckpoint() throws Exception {
        Path data = tokens(4000, 23);
        TokenFile tf = TokenFile.open(data);
        TrainConfig tc = new TrainConfig(3, 8, 6, 1, "sgd", 0.05, 0.05, 0.9, 0.95, 1e-8, 0, 0.9, "constant", 0, 0,
                0, "sequential", 3, 4, 0, 1);
        Path run = tmp.resolve("v");
        Trainer t = new Trainer(model(), null, tc, Batches.sequential(tf, 3, 8), () -> Batches.sequential(tf, 3, 8), run, 1e11, QUIET);
        t.run();
        ObjectMapper om = new ObjectMapper();
        List<JsonNode> lines = Files.readAllLines(run.resolve("metrics.jsonl")).stream().map(l -> {
            try { return om.readTree(l); } catch (Exception e) { throw new RuntimeException(e); }
        }).toList();
        assertTrue(lines.get(2).has("val_loss") && lines.get(5).has("val_loss") && !lines.get(0).has("val_loss"));
        for (String key : List.of("step", "loss", "lr", "grad_norm", "ms", "tokens_per_s", "mfu", "peak_flops"))
            assertTrue(lines.get(0).has(key), "metrics line has " + key);
        assertTrue(Files.exists(run.resolve("best/model.safetensors")));
        assertEquals(Math.min(lines.get(2).get("val_loss").asDouble(), lines.get(5).get("val_loss").asDouble()), t.bestValLoss(), 0);
    }

    @Test void scheduleWarmsUpThenDecaysToTheMinimum() {
        Schedule s = new Schedule("cosine", 1e-3, 1e-4, 100, 2000);
        assertEquals(1e-3 * 1 / 101, s.at(0), 1e-15);
        assertEquals(1e-3 * 100 / 101, s.at(99), 1e-15);
        assertEquals(1e-3, s.at(100), 1e-15);
        assertEquals(1e-4 + 0.5 * 0.9e-3, s.at(1050), 1e-12);
        assertEquals(1e-4, s.at(2000), 1e-15);
        assertEquals(5e-4, new Schedule("constant", 5e-4, 0, 0, 10).at(7), 0);
    }
}
