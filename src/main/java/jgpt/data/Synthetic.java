package jgpt.data;

import jgpt.io.AtomicFiles;
import jgpt.UserError;
import jgpt.tokenizer.CharTokenizer;
import jgpt.tokenizer.Tokenizers;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;

/**
 * Small generated tasks that only attention can solve, so a tiny model shows attention learning without a
 * download. Each line is one example, plain next-token data (the model also learns the random inputs, which
 * it cannot predict; the part after the separator is what it can get right):
 * <pre>
 *   copy      "qxbf|qxbf\n"       letters a–z, 4–8 of them
 *   reverse   "qxbf|fbxq\n"
 *   sort      "qxbf|bfqx\n"
 *   addition  "123+45=168\n"      operands 0–999, plain decimal
 * </pre>
 * The char vocabulary is every symbol the task can produce (28 for the letter tasks, 13 for addition), so it
 * does not depend on the sample. Train and val have 20,000 and 2,000 lines from fixed seeds: the same
 * files on every machine.
 */
public final class Synthetic {
    public static final List<String> TASKS = List.of("copy", "reverse", "sort", "addition");
    public static final int TRAIN_LINES = 20_000, VAL_LINES = 2_000;
    static final long TRAIN_SEED = 1337, VAL_SEED = 4242;
    private static final String LETTERS = "abcdefghijklmnopqrstuvwxyz";

    private Synthetic() {}

    /** The task's vocabulary: all symbols it can produce. */
    public static CharTokenizer tokenizer(String task) {
        check(task);
        return CharTokenizer.fromText(task.equals("addition") ? "\n+=0123456789" : "\n|" + LETTERS);
    }

    /** {@code lines} examples of {@code task} from {@code seed}. */
    public static String generate(String task, int lines, long seed) {
        check(task);
        SplitMix64 rng = new SplitMix64(seed);
        StringBuilder sb = new StringBuilder(lines * 16);
        for (int i = 0; i < lines; i++) {
            if (task.equals("addition")) {
                int a = rng.nextInt(1000), b = rng.nextInt(1000);
                sb.append(a).append('+').append(b).append('=').append(a + b).append('\n');
                continue;
            }
            char[] s = new char[4 + rng.nextInt(5)];
            for (int k = 0; k < s.length; k++) s[k] = LETTERS.charAt(rng.nextInt(LETTERS.length()));
            char[] t = s.clone();
            switch (task) {
                case "reverse" -> { for (int k = 0; k < t.length; k++) t[k] = s[s.length - 1 - k]; }
                case "sort" -> Arrays.sort(t);
                default -> { }
            }
            sb.append(s).append('|').append(t).append('\n');
        }
        return sb.toString();
    }

    /** cacheDir/synthetic/TASK: train.bin, val.bin, tokenizer.json (generated once). */
    public static Dataset prepare(String task, Path cacheDir) {
        check(task);
        Path dir = cacheDir.resolve("synthetic").resolve(task + "-v1");
        Path done = dir.resolve(".complete");
        if (!Files.exists(done)) {
            CharTokenizer tok = tokenizer(task);
            TokenFile.write(dir.resolve("train.bin"), tok.encode(generate(task, TRAIN_LINES, TRAIN_SEED)), tok.vocabSize());
            TokenFile.write(dir.resolve("val.bin"), tok.encode(generate(task, VAL_LINES, VAL_SEED)), tok.vocabSize());
            Tokenizers.save(dir, tok);
            AtomicFiles.writeString(done, "synthetic:" + task + "\n");
        }
        return new Dataset("synthetic:" + task, dir, dir.resolve("train.bin"), dir.resolve("val.bin"), dir.resolve(Tokenizers.FILE), "char");
    }

    private static void check(String task) {
        if (!TASKS.contains(task))
            throw new UserError("unknown synthetic task '" + task + "': choose synthetic:" + String.join(", synthetic:", TASKS));
    }
}
