package jgpt.cli;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import jgpt.data.Prepare;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

import java.io.PrintWriter;
import java.nio.file.Path;
import java.util.concurrent.Callable;

/** {@code jgpt prepare}: text file -> DIR/train.bin, DIR/val.bin (llm.c token files), DIR/tokenizer.json. */
@Command(name = "prepare", mixinStandardHelpOptions = true,
        description = {"Tokenize a UTF-8 text file into DIR/train.bin and DIR/val.bin (llm.c token files) and DIR/tokenizer.json.",
                "val.bin holds the LAST --val-fraction of the tokens (nanoGPT's 90/10 split). The input is streamed, so it may be larger than memory."})
public final class PrepareCommand implements Callable<Integer> {
    @Spec CommandSpec spec;

    @Option(names = "--input", required = true, paramLabel = "FILE", description = "UTF-8 text file")
    Path input;

    @Option(names = "--tokenizer", defaultValue = "char", paramLabel = "char|gpt2|PATH",
            description = "char (vocabulary = the input's distinct characters), gpt2 (GPT-2 BPE), or a tokenizer.json / directory (default: ${DEFAULT-VALUE})")
    String tokenizer;

    @Option(names = "--val-fraction", defaultValue = "0.1", paramLabel = "F",
            description = "share of tokens for val.bin, in [0, 1); 0 writes no val.bin (default: ${DEFAULT-VALUE})")
    double valFraction;

    @Option(names = "--out", required = true, paramLabel = "DIR", description = "output directory (created if needed)")
    Path out;

    @Option(names = "--special", description = "gpt2: encode the text <|endoftext|> as the special token 50256 (default: as plain text)")
    boolean special;

    @Option(names = "--json", description = "print the summary as one JSON object")
    boolean json;

    @Override public Integer call() throws Exception {
        Prepare.Result r = Prepare.run(input, tokenizer, valFraction, out, special);
        PrintWriter pw = spec.commandLine().getOut();
        if (json) {
            ObjectMapper m = new ObjectMapper();
            ObjectNode o = m.createObjectNode();
            o.put("input", r.input().toString());
            o.put("chars", r.chars());
            o.put("tokens", r.tokens());
            o.put("tokenizer", r.tokenizer().kind());
            o.put("vocab_size", r.tokenizer().vocabSize());
            o.put("train", r.train().toString());
            o.put("train_tokens", r.trainTokens());
            if (r.val() != null) o.put("val", r.val().toString()); else o.putNull("val");
            o.put("val_tokens", r.valTokens());
            o.put("tokenizer_file", r.tokenizerFile().toString());
            o.put("seconds", r.seconds());
            pw.println(m.writeValueAsString(o));
        } else {
            pw.printf("prepared %s: %,d chars -> %,d tokens (%s tokenizer, vocab %,d) in %.1f s%n",
                    r.input(), r.chars(), r.tokens(), r.tokenizer().kind(), r.tokenizer().vocabSize(), r.seconds());
            pw.printf("  train     %,13d tokens  %s%n", r.trainTokens(), r.train());
            if (r.val() != null) pw.printf("  val       %,13d tokens  %s%n", r.valTokens(), r.val());
            else pw.printf("  val       none (--val-fraction 0: everything is in train.bin, no val.bin written)%n");
            pw.printf("  tokenizer %s%n", r.tokenizerFile());
        }
        pw.flush();
        return 0;
    }
}
