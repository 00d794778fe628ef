package jgpt.train;

import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import jgpt.UserError;
import jgpt.io.AtomicFiles;
import jgpt.io.ModelStore;
import jgpt.io.Safetensors;
import jgpt.model.GPT;
import jgpt.tensor.Tensor;
import jgpt.tokenizer.Tokenizer;
import jgpt.tokenizer.Tokenizers;

/**
 * A run directory:
 * <pre>
 *   RUNDIR/config.json, model.safetensors, tokenizer.json   the latest model (load it with --model RUNDIR)
 *   RUNDIR/checkpoint/  the same + optimizer.safetensors + state.json: everything --resume needs
 *   RUNDIR/best/        the model with the best validation loss so far
 *   RUNDIR/metrics.jsonl
 * </pre>
 * A checkpoint is written whole into a fresh temporary directory, flushed, and swapped in by renames, so a
 * crash at any moment leaves the previous checkpoint (or the new one) intact — never a mix.
 */
public final class Checkpoint {
    private Checkpoint() {}

    static final String DIR = "checkpoint", OLD = "checkpoint.old", OPTIMIZER = "optimizer.safetensors", STATE = "state.json";
    private static final ObjectMapper JSON = new ObjectMapper();

    /** What besides tensors a resume needs. */
    public record State(long step, double bestVal, long[] data, TrainConfig train) {}

    /** Model files (config, weights, tokenizer) into dir, each replaced atomically. */
    public static void saveModel(Path dir, GPT model, Tokenizer tokenizer) {
        Trainer.ensureDir(dir);
        ModelStore.write(dir, model.cfg, model.params);
        if (tokenizer != null) Tokenizers.save(dir, tokenizer);
    }

    public static void save(Path run, GPT model, Tokenizer tokenizer, Optimizer opt, State state) {
        Trainer.ensureDir(run);
        Path tmp = run.resolve(DIR + ".tmp");
        try {
            deleteTree(tmp);
            saveModel(tmp, model, tokenizer);
            List<Safetensors.Item> items = new ArrayList<>();
            for (Tensor t : opt.state()) items.add(new Safetensors.Item(t.name, new int[] {t.size}, sink -> sink.put(t)));
            Safetensors.write(tmp.resolve(OPTIMIZER), items, Map.of("optimizer", opt.name(), "steps", Long.toString(opt.steps())));
            AtomicFiles.write(tmp.resolve(STATE), JSON.writerWithDefaultPrettyPrinter().writeValueAsBytes(state));
            Path cur = run.resolve(DIR), old = run.resolve(OLD);
            if (Files.exists(cur)) {       // without cur (a crash between the renames) old is the only complete one: keep it
                deleteTree(old);
                Files.move(cur, old, StandardCopyOption.ATOMIC_MOVE);
            }
            Files.move(tmp, cur, StandardCopyOption.ATOMIC_MOVE);
            deleteTree(old);
        } catch (IOException | RuntimeException e) {
            try { deleteTree(tmp); } catch (IOException ignored) { /* best effort: frees the space a full disk needs back */ }
            if (e instanceof RuntimeException r) throw r;
            throw new UncheckedIOException("cannot write checkpoint in " + run + ": " + e.getMessage(), (IOException) e);
        }
        saveModel(run, model, tokenizer);
    }

    /** The directory holding the newest complete checkpoint of a run, or null. */
    public static Path find(Path run) {
        for (String name : new String[] {DIR, OLD})
            if (Files.isRegularFile(run.resolve(name).resolve(STATE))) return run.resolve(name);
        return null;
    }

    public static State readState(Path run) {
        Path dir = find(run);
        if (dir == null) throw new UserError("no checkpoint in " + run + " to resume from (expected " + run.resolve(DIR).resolve(STATE) + ")");
        try {
            State s = JSON.readValue(dir.resolve(STATE).toFile(), State.class);
            if (s == null || s.train() == null || s.data() == null || s.step() < 0)
                throw new UserError(dir.resolve(STATE) + ": checkpoint state lacks " + (s == null ? "everything" : s.train() == null ? "\"train\"" : s.data() == null ? "\"data\"" : "a step ≥ 0") + " (a damaged file?)");
            return s;
        } catch (IOException e) {
            throw new UserError(dir.resolve(STATE) + ": unreadable checkpoint state (" + e.getMessage() + ")");
        }
    }

    /** Loads parameters and optimizer state of the newest checkpoint into model and opt. */
    public static State load(Path run, GPT model, Optimizer opt) {
        State s = readState(run);
        Path dir = find(run);
        try (var m = ModelStore.open(dir)) {
            if (!m.cfg.equals(model.cfg)) throw new UserError(dir + ": checkpoint model " + m.cfg + " differs from the run's " + model.cfg);
            m.readInto(model.params);
        }
        try (var r = Safetensors.open(dir.resolve(OPTIMIZER))) {
            for (Tensor t : opt.state()) {
                var e = r.get(t.name);
                if (e == null || e.numel() != t.size) throw new UserError(dir.resolve(OPTIMIZER) + ": no state '" + t.name + "' of " + t.size + " values for optimizer " + opt.name());
                r.read(e, t);
                for (int i = 0; i < t.size; i++)
                    if (!Double.isFinite(t.get(i))) throw new UserError(dir.resolve(OPTIMIZER) + ": " + t.name + " holds " + t.get(i) + " at element " + i + " (a damaged file?)");
            }
            String steps = r.metadata().get("steps");
            long n = s.step();
            if (steps != null) {
                try { n = Long.parseLong(steps); } catch (NumberFormatException e) { n = -1; }
            }
            if (n < 0) throw new UserError(dir.resolve(OPTIMIZER) + ": metadata steps '" + steps + "' is not a count of updates (a damaged file?)");
            opt.setSteps(n);
        }
        return s;
    }

    static void deleteTree(Path p) throws IOException {
        if (!Files.exists(p)) return;
        try (Stream<Path> walk = Files.walk(p)) {
            for (Path q : walk.sorted((a, b) -> b.getNameCount() - a.getNameCount()).toList()) Files.delete(q);
        }
    }
}
