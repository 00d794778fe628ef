package jgpt.cli;

import com.fasterxml.jackson.databind.JsonNode;
import jgpt.io.LlmcCheckpointTest;
import jgpt.io.ModelStore;
import jgpt.model.Config;
import jgpt.model.GPT;
import jgpt.tensor.DType;
import jgpt.tensor.NaiveKernels;
import jgpt.tokenizer.CharTokenizer;
import jgpt.tokenizer.LlmcTokenizerFile;
import jgpt.tokenizer.Tokenizers;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import java.util.Random;

import static org.junit.jupiter.api.Assertions.*;

/** convert, and every --model command on llm.c checkpoint files: the independent fixtures, round trips, hostile files. */
class ConvertCommandTest {
    static final Path FIXTURES = LlmcCheckpointTest.fixtures();
    @TempDir Path tmp;

    static JsonNode expected() throws IOException { return LlmcCheckpointTest.expected(); }

    static double eval(Path model, Path data, int B, int T) throws IOException {
        CliRun.Run r = CliRun.run("eval", "--model", model.toString(), "--data", data.toString(), "--batch", "" + B, "--block", "" + T,
                "--batches", "1", "--kernels", "naive", "--json");
        assertEquals(0, r.code, r.err);
        return r.json().get("loss").asDouble();
    }

    @Test
    void evalOnTheIndependentFixturesMatchesFloat64() throws IOException {
        JsonNode e = expected();
        for (String dt : List.of("f32", "bf16")) {
            double loss = eval(FIXTURES.resolve("model_" + dt + ".bin"), FIXTURES.resolve("tokens.bin"), e.get("B").asInt(), e.get("T").asInt());
            assertEquals(e.get("loss_" + dt).asDouble(), loss, 1e-5, dt);
        }
    }

    @Test
    void llmcToHfToLlmcIsByteIdenticalAndKeepsTheLoss() throws IOException {
        JsonNode e = expected();
        Path data = FIXTURES.resolve("tokens.bin");
        for (String dt : List.of("f32", "bf16")) {
            Path src = FIXTURES.resolve("model_" + dt + ".bin"), hf = tmp.resolve("hf-" + dt), back = tmp.resolve("back-" + dt + ".bin");
            CliRun.Run r1 = CliRun.run("convert", "--model", src.toString(), "--out", hf.toString(), "--format", "hf");
            assertEquals(0, r1.code, r1.err);
            CliRun.Run r2 = CliRun.run("convert", "--model", hf.toString(), "--out", back.toString(), "--format", "llmc", "--dtype", dt, "--json");
            assertEquals(0, r2.code, r2.err);
            assertArrayEquals(Files.readAllBytes(src), Files.readAllBytes(back), dt);
            assertEquals(Files.size(back), r2.json().get("bytes").asLong());
            double original = eval(src, data, e.get("B").asInt(), e.get("T").asInt());
            assertEquals(original, eval(hf, data, e.get("B").asInt(), e.get("T").asInt()), 0.0, dt);
        }
    }

    /** A GPT-2-shaped char model with its tokenizer.json, as train writes it. */
    Path charModel(Path dir) {
        CharTokenizer tok = CharTokenizer.fromText("to be or not to be, that is the question.");
        GPT m = new GPT(Config.gpt2(tok.vocabSize(), 8, 2, 2, 8), DType.F32, new NaiveKernels()).initGpt2(5);
        Random r = new Random(9);
        for (int i = 0; i < m.params.size; i++) m.params.set(i, m.params.get(i) + 0.1 * r.nextGaussian());
        ModelStore.save(dir, m);
        Tokenizers.save(dir, tok);
        return dir;
    }

    @Test
    void hfToLlmcToHfIsBitIdenticalAndKeepsTheLoss() throws IOException {
        Path hf = charModel(tmp.resolve("hf")), bin = tmp.resolve("llmc/model.bin"), back = tmp.resolve("back");
        CliRun.Run r1 = CliRun.run("convert", "--model", hf.toString(), "--out", bin.toString(), "--format", "llmc");
        assertEquals(0, r1.code, r1.err);
        assertTrue(Files.isRegularFile(tmp.resolve("llmc/tokenizer.json")), "a char model's tokenizer goes beside the checkpoint");
        CliRun.Run r2 = CliRun.run("convert", "--model", bin.toString(), "--out", back.toString(), "--format", "hf");
        assertEquals(0, r2.code, r2.err);
        for (String f : List.of(ModelStore.WEIGHTS, ModelStore.CONFIG, Tokenizers.FILE))
            assertArrayEquals(Files.readAllBytes(hf.resolve(f)), Files.readAllBytes(back.resolve(f)), f);
        int[] toks = new int[40];
        for (int i = 0; i < toks.length; i++) toks[i] = (i * 7) % 11;
        Path data = Files.write(tmp.resolve("d.bin"), EvalCommandTest.llmc(toks, toks.length));
        double loss = eval(hf, data, 2, 8);
        assertEquals(loss, eval(bin, data, 2, 8), 0.0);
        // bf16 changes the loss a little, not a lot
        Path b16 = tmp.resolve("llmc/model16.bin");
        assertEquals(0, CliRun.run("convert", "--model", hf.toString(), "--out", b16.toString(), "--format", "llmc", "--dtype", "bf16").code);
        assertEquals(loss, eval(b16, data, 2, 8), 0.05);
        assertNotEquals(loss, eval(b16, data, 2, 8));
        // the llm.c file can start training, and sample and explain read it with the tokenizer beside it
        Path text = Files.writeString(tmp.resolve("t.txt"), "to be or not to be, that is the question. ".repeat(20));
        CliRun.Run t = CliRun.run("train", "--data", text.toString(), "--tokenizer", tmp.resolve("llmc/tokenizer.json").toString(), "--init", bin.toString(),
                "--batch", "2", "--block", "8", "--steps", "2", "--eval-every", "2", "--eval-batches", "1", "--threads", "1", "--kernels", "naive",
                "--out", tmp.resolve("run").toString(), "--cache", tmp.resolve("cache").toString(), "--json");
        assertEquals(0, t.code, t.out + t.err);
        CliRun.Run s = CliRun.run("sample", "--model", bin.toString(), "--prompt", "to be", "--tokens", "5", "--kernels", "naive", "--json");
        assertEquals(0, s.code, s.err);
        assertEquals(5, s.json().get("tokens").asInt());
        CliRun.Run x = CliRun.run("explain", "--model", bin.toString(), "--prompt", "to be");
        assertEquals(0, x.code, x.err);
    }

    @Test
    void gpt2ModelsGetLlmcsTokenizerFileBesideTheCheckpoint() throws IOException {
        Path hf = InspectCommandsTest.smallModel(tmp.resolve("gpt2"));
        Path bin = tmp.resolve("out/gpt2_small.bin");
        CliRun.Run r = CliRun.run("convert", "--model", hf.toString(), "--out", bin.toString(), "--format", "llmc", "--json");
        assertEquals(0, r.code, r.err);
        Path tokFile = tmp.resolve("out").resolve(LlmcTokenizerFile.NAME);
        assertEquals(tokFile.toString(), r.json().get("tokenizer").asText());
        LlmcTokenizerFile.Contents c = LlmcTokenizerFile.readContents(tokFile);
        assertEquals(50257, c.tokens().length);
        assertEquals(50256, c.eot());
        assertEquals(" Paris", new String(c.tokens()[6342], java.nio.charset.StandardCharsets.UTF_8));
        // the header holds V and Vp; sampling decodes through the tokenizer file
        ByteBuffer h = ByteBuffer.wrap(Arrays.copyOf(Files.readAllBytes(bin), 32)).order(ByteOrder.LITTLE_ENDIAN);
        assertEquals(50257, h.getInt(12));
        assertEquals(50304, h.getInt(28));
        CliRun.Run s = CliRun.run("sample", "--model", bin.toString(), "--prompt", "The capital of France is", "--tokens", "3", "--temperature", "0", "--json");
        CliRun.Run s0 = CliRun.run("sample", "--model", hf.toString(), "--prompt", "The capital of France is", "--tokens", "3", "--temperature", "0", "--json");
        assertEquals(0, s.code, s.err);
        assertEquals(s0.json().get("text"), s.json().get("text"));
        CliRun.Run p = CliRun.run("probe", "--model", bin.toString(), "--prompt", "The capital of France is", "--candidates", " Paris| London");
        assertEquals(0, p.code, p.err);
    }

    @Test
    void convertMistakesAreOneLine() throws IOException {
        Path hf = charModel(tmp.resolve("hf"));
        String out = tmp.resolve("x.bin").toString();
        assertTrue(CliRun.fails("convert", "--model", hf.toString(), "--out", out, "--format", "gguf").contains("--format"));
        assertTrue(CliRun.fails("convert", "--model", hf.toString(), "--out", out, "--format", "llmc", "--dtype", "f16").contains("--dtype"));
        assertTrue(CliRun.fails("convert", "--model", hf.toString(), "--out", tmp.resolve("h").toString(), "--format", "hf", "--dtype", "bf16").contains("--dtype"));
        assertTrue(CliRun.fails("convert", "--model", hf.toString(), "--out", tmp.toString(), "--format", "llmc").contains("is a directory"));
        // a model llm.c cannot hold: named by its switch, nothing written
        GPT rope = new GPT(Config.rope(11, 8, 1, 2, 8), DType.F32, new NaiveKernels());
        ModelStore.save(tmp.resolve("rope"), rope);
        String msg = CliRun.fails("convert", "--model", tmp.resolve("rope").toString(), "--out", out, "--format", "llmc");
        assertTrue(msg.contains("llm.c cannot represent") && msg.contains("--positions"), msg);
        GPT post = new GPT(Config.textbook(11, 8, 1, 2, 8), DType.F32, new NaiveKernels());
        ModelStore.save(tmp.resolve("post"), post);
        assertTrue(CliRun.fails("convert", "--model", tmp.resolve("post").toString(), "--out", out, "--format", "llmc").contains("--norm post"));
        assertFalse(Files.exists(Path.of(out)));
    }

    // ---- hostile files: one line naming the file and the field, exit 2, nothing allocated from the header ----------

    static byte[] set(byte[] file, int field, int v) {
        byte[] b = file.clone();
        ByteBuffer.wrap(b).order(ByteOrder.LITTLE_ENDIAN).putInt(4 * field, v);
        return b;
    }

    /** Every command that reads --model fails the same way on it. */
    void refused(byte[] bytes, String name, String... phrases) throws IOException {
        Path f = Files.write(tmp.resolve(name + ".bin"), bytes);
        Path data = FIXTURES.resolve("tokens.bin");
        List<String[]> cmds = List.of(
                new String[] {"params", "--model", f.toString()},
                new String[] {"eval", "--model", f.toString(), "--data", data.toString()},
                new String[] {"sample", "--model", f.toString()},
                new String[] {"explain", "--model", f.toString(), "--prompt", "ab"},
                new String[] {"convert", "--model", f.toString(), "--out", tmp.resolve("o").toString(), "--format", "hf"});
        for (String[] cmd : cmds) {
            String msg = CliRun.fails(cmd);
            assertTrue(msg.startsWith("jgpt: " + f + ": "), cmd[0] + ": " + msg);
            for (String p : phrases) assertTrue(msg.contains(p), cmd[0] + ": '" + p + "' missing in " + msg);
        }
    }

    @Test
    void hostileCheckpointsAreRefusedNamingTheField() throws IOException {
        byte[] good = Files.readAllBytes(FIXTURES.resolve("model_f32.bin"));
        refused(set(good, 0, 20240328), "magic", "header[0] (magic) is 20240328", "tokenizer file");
        refused(new byte[] {1, 2}, "tiny", "header[0] (magic) is missing");
        refused(set(good, 1, 4), "version", "header[1] (version) is 4");
        refused(set(good, 1, 5), "f32-as-bf16", "after the last tensor");           // bf16 needs half the bytes
        refused(Arrays.copyOf(good, 1000), "short-header", "truncated", "1024");
        refused(Arrays.copyOf(good, good.length - 1), "truncated", "truncated", "need " + good.length + " bytes");
        refused(Arrays.copyOf(good, good.length + 4), "extra", "4 bytes after the last tensor");
        refused(set(good, 7, 36), "vp", "header[7] (Vp", "smaller than header[3] (V) 37");
        String[] names = {"maxT", "V", "L", "NH", "C", "Vp"};
        for (int i = 2; i <= 7; i++) {
            refused(set(good, i, 0), "zero" + i, "header[" + i + "] (" + names[i - 2], "is 0, must be positive");
            refused(set(good, i, -5), "neg" + i, "header[" + i + "] (" + names[i - 2], "is -5, must be positive");
        }
        refused(set(good, 5, 5), "heads", "header[6] (C) 12 is not divisible by header[5] (NH) 5");
        refused(set(good, 4, 1 << 20), "layers", "header[4] (L) is 1048576");
        // absurd sizes: more than any file could hold; they would overflow or exhaust memory if trusted
        refused(set(set(good, 6, Integer.MAX_VALUE - 1), 5, 1), "overflow", "more than 2^63 bytes");
        refused(set(good, 2, 1 << 30), "huge", "truncated", "maxT=1073741824");
        refused(set(set(good, 3, Integer.MAX_VALUE), 7, Integer.MAX_VALUE), "vocab", "truncated");
    }
}
