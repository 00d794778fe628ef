package jgpt.data;

import jgpt.tokenizer.Tokenizer;
import jgpt.tokenizer.Tokenizers;

import java.nio.file.Files;
import java.nio.file.Path;

/**
 * A resolved data set (see {@link Datasets#resolve}): token files ready for {@link Batches}.
 *
 * @param dir           the directory holding the files (a prepared directory, or a token file's folder)
 * @param train         training tokens
 * @param val           validation tokens, or null when there are none
 * @param tokenizerFile the tokenizer.json the tokens were made with, or null when unknown (a bare token file)
 * @param tokenizerSpec the tokenizer asked for ("char", "gpt2", a path) or null
 */
public record Dataset(String name, Path dir, Path train, Path val, Path tokenizerFile, String tokenizerSpec) {

    public TokenFile openTrain() { return TokenFile.open(train); }

    /** The validation tokens, or null when the data set has none. */
    public TokenFile openVal() { return val != null && Files.exists(val) ? TokenFile.open(val) : null; }

    /** The tokenizer of the data: its tokenizer.json, else the one asked for, else null (e.g. a bare token file). */
    public Tokenizer tokenizer() {
        if (tokenizerFile != null) return Tokenizers.load(tokenizerFile);
        if (tokenizerSpec != null && !tokenizerSpec.equals("char")) return Tokenizers.byName(tokenizerSpec);
        return null;
    }
}
