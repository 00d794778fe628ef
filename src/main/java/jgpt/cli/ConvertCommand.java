package jgpt.cli;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import jgpt.UserError;
import jgpt.io.AtomicFiles;
import jgpt.io.LlmcCheckpoint;
import jgpt.io.ModelStore;
import jgpt.model.Config;
import jgpt.tokenizer.Gpt2Tokenizer;
import jgpt.tokenizer.LlmcTokenizerFile;
import jgpt.tokenizer.Tokenizer;
import jgpt.tokenizer.Tokenizers;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Locale;
import java.util.concurrent.Callable;

/**
 * {@code jgpt convert}: a model from a Hugging Face GPT-2 directory or an llm.c checkpoint into the other form,
 * with its tokenizer: llm.c's gpt2_tokenizer.bin beside a GPT-2-tokenised llm.c checkpoint, tokenizer.json for the others.
 */
@Command(name = "convert", mixinStandardHelpOptions = true,
        description = {"Convert a model between a Hugging Face GPT-2 directory and an llm.c checkpoint file (version 3 fp32, 5 bf16).",
                "llm.c holds GPT-2's architecture only: pre-LN, GELU, learned positions, tied output, biases, FFN 4C, LayerNorm eps 1e-5."})
public final class ConvertCommand implements Callable<Integer> {
    @Option(names = "--model", required = true, paramLabel = "SRC", description = "model directory or llm.c checkpoint file")
    Path model;

    @Option(names = "--out", required = true, paramLabel = "DST", description = "llmc: the checkpoint file to write; hf: the directory")
    Path out;

    @Option(names = "--format", required = true, paramLabel = "llmc|hf", description = "llmc (one llm.c checkpoint file) or hf (config.json + model.safetensors)")
    String format;

    @Option(names = "--dtype", defaultValue = "f32", paramLabel = "f32|bf16",
            description = "llmc only: f32 (version 3, default) or bf16 (version 5, rounded to nearest even)")
    String dtype;

    @Option(names = "--json", description = "end with one JSON line: out, format, dtype, params, bytes, tokenizer")
    boolean json;

    @Override public Integer call() throws IOException {
        boolean llmc = switch (format.toLowerCase(Locale.ROOT)) {
            case "llmc" -> true;
            case "hf" -> false;
            default -> throw new UserError("--format must be llmc or hf, got '" + format + "'");
        };
        LlmcCheckpoint.Precision prec = switch (dtype.toLowerCase(Locale.ROOT)) {
            case "f32" -> LlmcCheckpoint.Precision.F32;
            case "bf16" -> LlmcCheckpoint.Precision.BF16;
            default -> throw new UserError("--dtype must be f32 or bf16, got '" + dtype + "'");
        };
        if (!llmc && prec != LlmcCheckpoint.Precision.F32)
            throw new UserError("--dtype " + dtype + " is for --format llmc; a Hugging Face directory is written in F32");
        if (llmc && Files.isDirectory(out))
            throw new UserError("--out " + out + " is a directory; --format llmc writes one file (e.g. " + out.resolve("model.bin") + ")");
        if (!llmc && Files.isRegularFile(out))
            throw new UserError("--out " + out + " is a file; --format hf writes a directory");
        // everything cheap first: the config, whether llm.c can hold it, the tokenizer
        Config cfg = ModelStore.readConfig(model);
        if (llmc) {
            try {
                LlmcCheckpoint.requireSupported(cfg, "the model in " + model);
            } catch (LlmcCheckpoint.CannotRepresent e) {      // the library names config keys; here, the flag too
                String s = e.why().setting();
                throw new UserError(s == null ? e.getMessage() : e.getMessage() + " (a model trained with --" + s + ")");
            }
        }
        Tokenizer tok;
        try {
            tok = Tokenizers.forModel(model, cfg.vocab());
        } catch (UserError none) {
            System.err.println("jgpt: note: no tokenizer converted: " + none.getMessage());
            tok = null;
        }
        ModelStore.Loaded m = ModelStore.read(model);
        Path tokFile;
        if (llmc) {
            LlmcCheckpoint.write(out, cfg, m.params(), prec);
            tokFile = writeTokenizer(tok, out.toAbsolutePath().getParent(), true);
        } else {
            ModelStore.write(out, cfg, m.params());
            tokFile = writeTokenizer(tok, out, false);
        }
        long bytes = llmc ? Files.size(out) : Files.size(out.resolve(ModelStore.WEIGHTS));
        String what = llmc ? "llm.c checkpoint, version " + prec.version + " (" + prec.name().toLowerCase(Locale.ROOT) + ")" : "Hugging Face GPT-2 directory (F32)";
        System.out.printf(Locale.ROOT, "convert: %s (%s) -> %s: %s, %,d parameters, %,d bytes%n", model, TrainCommand.describe(cfg), out, what, m.layout().total, bytes);
        if (tokFile != null) System.out.println("tokenizer: " + tokFile);
        if (json) {
            ObjectNode j = new ObjectMapper().createObjectNode();
            j.put("out", out.toString());
            j.put("format", llmc ? "llmc" : "hf");
            j.put("dtype", llmc ? prec.name().toLowerCase(Locale.ROOT) : "f32");
            j.put("params", m.layout().total);
            j.put("bytes", bytes);
            if (tokFile != null) j.put("tokenizer", tokFile.toString()); else j.putNull("tokenizer");
            System.out.println(j);
        }
        return 0;
    }

    /**
     * The tokenizer in the form the target reads: beside an llm.c checkpoint llm.c's own file for GPT-2 (and a copy of an
     * llm.c tokenizer file that only decodes), else jgpt's tokenizer.json; a GPT-2 directory needs none. Returns what it wrote.
     */
    private Path writeTokenizer(Tokenizer tok, Path dir, boolean llmc) throws IOException {
        if (tok == null) return null;
        if (tok instanceof Gpt2Tokenizer) {
            if (!llmc) return null;                        // a 50257-token model directory without tokenizer.json is GPT-2's
            Path f = dir.resolve(LlmcTokenizerFile.NAME);
            LlmcTokenizerFile.write(f, LlmcTokenizerFile.gpt2Tokens(), Gpt2Tokenizer.EOT);
            return f;
        }
        if (tok.kind().equals("llmc")) {                   // decode-only: only an llm.c file can carry it
            if (!llmc) {
                System.err.println("jgpt: note: the llm.c tokenizer file beside " + model + " only decodes and was not converted");
                return null;
            }
            Path f = dir.resolve(LlmcTokenizerFile.NAME);
            Path src = model.toAbsolutePath().getParent().resolve(LlmcTokenizerFile.NAME);
            if (!src.normalize().equals(f.toAbsolutePath().normalize())) AtomicFiles.write(f, Files.readAllBytes(src));
            return f;
        }
        return Tokenizers.save(dir, tok);
    }
}
