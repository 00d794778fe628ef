package jgpt.cli;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import jgpt.UserError;
import jgpt.data.TextChunks;
import jgpt.tokenizer.BpeTokenizer;
import jgpt.tokenizer.BpeTrainer;
import jgpt.tokenizer.Gpt2Tokenizer;
import jgpt.tokenizer.Tokenizer;
import jgpt.tokenizer.Tokenizers;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

import java.io.PrintWriter;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.concurrent.Callable;

/** {@code jgpt tokenizer train|encode|decode}. */
@Command(name = "tokenizer", mixinStandardHelpOptions = true,
        description = "Train a byte-level BPE tokenizer, or encode / decode text with a tokenizer.",
        subcommands = {TokenizerCommand.Train.class, TokenizerCommand.Encode.class, TokenizerCommand.Decode.class})
public final class TokenizerCommand implements Runnable {
    @Spec CommandSpec spec;

    @Override public void run() { spec.commandLine().usage(spec.commandLine().getOut()); }

    private static final ObjectMapper JSON = new ObjectMapper();

    @Command(name = "train", mixinStandardHelpOptions = true,
            description = "Learn a byte-level BPE (256 byte tokens + merges, GPT-2's pre-tokenizer) from a UTF-8 text file.")
    static final class Train implements Callable<Integer> {
        @Spec CommandSpec spec;
        @Option(names = "--input", required = true, paramLabel = "FILE", description = "UTF-8 training text") Path input;
        @Option(names = "--vocab-size", required = true, paramLabel = "N", description = "vocabulary size, 256..65536 (256 bytes + N-256 merges)") int vocabSize;
        @Option(names = "--out", required = true, paramLabel = "FILE", description = "tokenizer JSON to write (a directory gets DIR/tokenizer.json)") Path out;
        @Option(names = "--json", description = "print the summary as one JSON object") boolean json;

        @Override public Integer call() throws Exception {
            long t0 = System.nanoTime();
            BpeTokenizer tok = BpeTrainer.trainFile(input, vocabSize);
            double seconds = (System.nanoTime() - t0) / 1e9;
            Path file = Files.isDirectory(out) ? out.resolve(Tokenizers.FILE) : out;
            Tokenizers.saveFile(file, tok);
            // compression on (the start of) the training text: UTF-8 bytes per token
            String sample = firstChars(input, 1 << 20);
            int tokens = tok.encode(sample).length;
            double bytesPerToken = tokens == 0 ? 0 : (double) sample.getBytes(StandardCharsets.UTF_8).length / tokens;
            PrintWriter pw = spec.commandLine().getOut();
            if (json) {
                ObjectNode o = JSON.createObjectNode();
                o.put("out", file.toString());
                o.put("vocab_size", tok.vocabSize());
                o.put("merges", tok.vocabSize() - 256);
                o.put("seconds", seconds);
                o.put("bytes_per_token", bytesPerToken);
                pw.println(JSON.writeValueAsString(o));
            } else {
                pw.printf("trained a byte-level BPE on %s in %.2f s: vocab %,d (256 bytes + %,d merges)%n", input, seconds, tok.vocabSize(), tok.vocabSize() - 256);
                if (tok.vocabSize() < vocabSize) pw.printf("  (stopped early: no pair left to merge for %,d)%n", vocabSize);
                pw.printf("  %.2f UTF-8 bytes per token on the training text%n", bytesPerToken);
                StringBuilder sb = new StringBuilder();
                for (int i = 256; i < Math.min(tok.vocabSize(), 256 + 12); i++) sb.append(" [").append(tok.tokenText(i)).append(']');
                pw.printf("  first merges:%s%n", sb);
                pw.printf("  wrote %s%n", file);
            }
            pw.flush();
            return 0;
        }

        private static String firstChars(Path input, int max) {
            StringBuilder sb = new StringBuilder();
            TextChunks.forEach(input, TextChunks.ANY, c -> { if (sb.length() < max) sb.append(c, 0, Math.min(c.length(), max - sb.length())); });
            int end = sb.length();
            if (end > 0 && Character.isHighSurrogate(sb.charAt(end - 1))) end--;
            return sb.substring(0, end);
        }
    }

    @Command(name = "encode", mixinStandardHelpOptions = true, description = "Print the token ids (and tokens) of a text.")
    static final class Encode implements Callable<Integer> {
        @Spec CommandSpec spec;
        @Option(names = "--tokenizer", defaultValue = "gpt2", paramLabel = "gpt2|PATH", description = "gpt2, or a tokenizer.json / prepared directory (default: ${DEFAULT-VALUE})") String tokenizer;
        @Option(names = "--special", description = "gpt2: encode <|endoftext|> as token 50256") boolean special;
        @Option(names = "--json", description = "print one JSON object {ids, tokens}") boolean json;
        @Parameters(arity = "1..*", paramLabel = "TEXT", description = "text (several words are joined by spaces)") String[] text;

        @Override public Integer call() throws Exception {
            Tokenizer tok = Tokenizers.byName(tokenizer);
            if (special && tok instanceof Gpt2Tokenizer g) tok = g.withSpecial(true);
            int[] ids = tok.encode(String.join(" ", text));
            PrintWriter pw = spec.commandLine().getOut();
            if (json) {
                ObjectNode o = JSON.createObjectNode();
                ArrayNode a = o.putArray("ids"), t = o.putArray("tokens");
                for (int id : ids) { a.add(id); t.add(tok.tokenText(id)); }
                pw.println(JSON.writeValueAsString(o));
            } else {
                pw.println(Arrays.toString(ids));
                StringBuilder sb = new StringBuilder();
                for (int id : ids) sb.append('[').append(tok.tokenText(id).replace("\n", "\\n")).append(']');
                pw.println(sb);
            }
            pw.flush();
            return 0;
        }
    }

    @Command(name = "decode", mixinStandardHelpOptions = true, description = "Print the text of token ids.")
    static final class Decode implements Callable<Integer> {
        @Spec CommandSpec spec;
        @Option(names = "--tokenizer", defaultValue = "gpt2", paramLabel = "gpt2|PATH", description = "gpt2, or a tokenizer.json / prepared directory (default: ${DEFAULT-VALUE})") String tokenizer;
        @Option(names = "--json", description = "print one JSON object {text}") boolean json;
        @Parameters(arity = "1..*", paramLabel = "ID", description = "token ids") int[] ids;

        @Override public Integer call() throws Exception {
            Tokenizer tok = Tokenizers.byName(tokenizer);
            for (int id : ids)
                if (id < 0 || id >= tok.vocabSize()) throw new UserError("token id " + id + " is outside the vocabulary [0, " + tok.vocabSize() + ")");
            String text = tok.decode(ids);
            PrintWriter pw = spec.commandLine().getOut();
            if (json) {
                ObjectNode o = JSON.createObjectNode();
                o.put("text", text);
                pw.println(JSON.writeValueAsString(o));
            } else {
                pw.println(text);
            }
            pw.flush();
            return 0;
        }
    }
}
