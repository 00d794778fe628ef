package jgpt.data;

import jgpt.io.AtomicFiles;
import jgpt.UserError;
import jgpt.tokenizer.CharTokenizer;
import jgpt.tokenizer.Gpt2Tokenizer;
import jgpt.tokenizer.Tokenizer;
import jgpt.tokenizer.Tokenizers;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.BitSet;

/**
 * Tokenizes a UTF-8 text file into DIR/train.bin, DIR/val.bin (llm.c token files) and DIR/tokenizer.json.
 * val is the last {@code valFraction} of the tokens (nanoGPT: train = first int(n·0.9)). The text is
 * streamed: a char vocabulary is collected in a first pass, then chunks cut at the tokenizer's safe split
 * points are encoded into one token file that is finally split in two, so memory use does not grow
 * with the input.
 */
public final class Prepare {
    private Prepare() {}

    /**
     * @param val  DIR/val.bin, or null when valFraction is 0 (then no val.bin is written and an old one is removed)
     */
    public record Result(Path input, Path dir, Path train, Path val, Path tokenizerFile, Tokenizer tokenizer,
                         long chars, long tokens, long trainTokens, long valTokens, double seconds) {}

    /** {@code tokenizerSpec}: "char" (vocabulary from this input), "gpt2", or a tokenizer file/directory. */
    public static Result run(Path input, String tokenizerSpec, double valFraction, Path outDir, boolean allowSpecial) {
        checkInput(input);
        if (!(valFraction >= 0 && valFraction < 1))
            throw new jgpt.InvalidSetting("val-fraction", "val-fraction must be in [0, 1), got " + valFraction);
        long t0 = System.nanoTime();
        Tokenizer tok;
        if ("char".equals(tokenizerSpec)) {
            BitSet seen = new BitSet(); // pass 1: the distinct characters
            TextChunks.forEach(input, TextChunks.ANY, chunk -> chunk.codePoints().forEach(seen::set));
            if (seen.isEmpty()) throw new UserError(input + " is empty: nothing to prepare");
            tok = CharTokenizer.fromCodePoints(seen);
        } else {
            tok = Tokenizers.byName(tokenizerSpec);
            if (allowSpecial && tok instanceof Gpt2Tokenizer g) tok = g.withSpecial(true);
        }
        return run(input, tok, valFraction, outDir, t0);
    }

    /** Prepares with a given tokenizer. */
    public static Result run(Path input, Tokenizer tok, double valFraction, Path outDir) {
        checkInput(input);
        return run(input, tok, valFraction, outDir, System.nanoTime());
    }

    private static Result run(Path input, Tokenizer tok, double valFraction, Path outDir, long t0) {
        if (tok.vocabSize() > TokenFile.MAX_ID + 1)
            throw new UserError(input + " has " + tok.vocabSize() + " distinct characters; token files hold at most "
                    + (TokenFile.MAX_ID + 1) + " ids: use the gpt2 tokenizer or a bpe one");
        try {
            Files.createDirectories(outDir);
        } catch (IOException e) {
            throw new UserError("cannot create output directory " + outDir + ": " + e.getMessage(), e);
        }
        Path all = outDir.resolve(".prepare-" + ProcessHandle.current().pid() + ".bin");
        long chars;
        long n;
        try (TokenFile.Writer w = TokenFile.writer(all, tok.vocabSize())) {
            chars = TextChunks.forEach(input, tok::splitPoint, chunk -> {
                int[] ids = tok.encode(chunk);
                w.write(ids, 0, ids.length);
            });
            n = w.count();
            w.finish();
        }
        if (chars == 0) {
            AtomicFiles.deleteQuietly(all);
            throw new UserError(input + " is empty: nothing to prepare");
        }
        long nTrain = (long) Math.floor(n * (1 - valFraction));
        Path train = outDir.resolve("train.bin");
        Path val = valFraction > 0 ? outDir.resolve("val.bin") : null;
        try {
            TokenFile.splitAt(all, nTrain, train, val);
        } finally {
            AtomicFiles.deleteQuietly(all);
        }
        if (val == null) AtomicFiles.deleteQuietly(outDir.resolve("val.bin")); // a stale split would not match
        Path tokFile = Tokenizers.save(outDir, tok);
        return new Result(input, outDir, train, val, tokFile, tok, chars, n, nTrain, n - nTrain, (System.nanoTime() - t0) / 1e9);
    }

    private static void checkInput(Path input) {
        if (!Files.exists(input)) throw new UserError("input file " + input + " does not exist");
        if (Files.isDirectory(input)) throw new UserError(input + " is a directory: give a UTF-8 text file");
        try {
            if (Files.size(input) == 0) throw new UserError(input + " is empty: nothing to prepare");
        } catch (IOException e) {
            throw new UserError("cannot read " + input + ": " + e.getMessage(), e);
        }
    }
}
