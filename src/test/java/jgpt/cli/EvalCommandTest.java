package jgpt.cli;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import jgpt.io.ModelStore;
import jgpt.model.Config;
import jgpt.model.GPT;
import jgpt.tensor.DType;
import jgpt.tensor.NaiveKernels;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.Random;

import static org.junit.jupiter.api.Assertions.*;

class EvalCommandTest {

    @TempDir Path tmp;
    Path modelDir;
    GPT model;
    int[] tokens;
    static final int V = 13;

    @BeforeEach
    void setUp() {
        model = new GPT(Config.gpt2(V, 8, 2, 2, 8), DType.F32, new NaiveKernels()).initGpt2(7);
        modelDir = tmp.resolve("model");
        ModelStore.save(modelDir, model);
        Random r = new Random(1);
        tokens = new int[200];
        for (int i = 0; i < tokens.length; i++) tokens[i] = r.nextInt(V);
    }

    /** llm.c token file, encoded here independently of the readers. */
    static byte[] llmc(int[] toks, int headerCount) {
        ByteBuffer b = ByteBuffer.allocate(1024 + 2 * toks.length).order(ByteOrder.LITTLE_ENDIAN);
        b.putInt(0, 20240520).putInt(4, 1).putInt(8, headerCount);
        for (int i = 0; i < toks.length; i++) b.putShort(1024 + 2 * i, (short) toks[i]);
        return b.array();
    }

    static byte[] bare(int[] toks) {
        ByteBuffer b = ByteBuffer.allocate(2 * toks.length).order(ByteOrder.LITTLE_ENDIAN);
        for (int t : toks) b.putShort((short) t);
        return b.array();
    }



    /** Mean loss computed one row at a time, with the row offsets of the spec: row b of batch k starts at (k·B + b)·T. */
    double expected(int B, int T, int batches) {
        double sum = 0;
        int rows = 0;
        for (int k = 0; k < batches; k++)
            for (int b = 0; b < B; b++) {
                int start = (k * B + b) * T;
                sum += model.forward(Arrays.copyOfRange(tokens, start, start + T), Arrays.copyOfRange(tokens, start + 1, start + T + 1), 1, T);
                rows++;
            }
        return sum / rows;
    }

    @Test
    void everyKernelChoiceGivesTheSameLoss() throws IOException {
        Path data = Files.write(tmp.resolve("val-k.bin"), llmc(tokens, tokens.length));
        java.util.List<String> choices = new java.util.ArrayList<>(java.util.List.of("auto", "java", "naive"));
        if (jgpt.tensor.OpenBlas.available()) choices.add("blas");
        for (String k : choices) {
            CliRun.Run r = CliRun.run("eval", "--model", modelDir.toString(), "--data", data.toString(), "--batch", "3",
                    "--block", "8", "--batches", "4", "--kernels", k, "--json");
            assertEquals(0, r.code, k + ": " + r.err);
            assertEquals(expected(3, 8, 4), r.json().get("loss").asDouble(), 1e-5, "--kernels " + k);
        }
        CliRun.Run bad = CliRun.run("eval", "--model", modelDir.toString(), "--data", data.toString(), "--kernels", "gpu");
        assertEquals(2, bad.code);
        assertEquals("jgpt: --kernels 'gpu' is unknown: choose auto | blas | java | naive", bad.err.strip());
    }

    @Test
    void meanLossOverSequentialBatches() throws IOException {
        Path data = Files.write(tmp.resolve("val.bin"), llmc(tokens, tokens.length));
        CliRun.Run r = CliRun.run("eval", "--model", modelDir.toString(), "--data", data.toString(), "--batch", "3", "--block", "8", "--batches", "4", "--json");
        assertEquals(0, r.code, r.err);
        JsonNode j = r.json();
        assertEquals(expected(3, 8, 4), j.get("loss").asDouble(), 1e-5);
        assertEquals(4, j.get("batches").asInt());
        assertEquals(96, j.get("tokens").asInt());
        assertTrue(j.has("ms"));
        assertTrue(r.out.startsWith("eval: loss "), r.out);
        // the model is random over 13 tokens: loss near ln 13, a sanity check on the numbers themselves
        assertEquals(Math.log(V), j.get("loss").asDouble(), 0.5);
    }

    @Test
    void headerlessFilesAndShortDataAreUsedAsFarAsTheyGo() throws IOException {
        // 50 tokens: (50 − 1) / (2·8) = 3 full batches although 10 are asked for
        Path data = Files.write(tmp.resolve("val.u16"), bare(Arrays.copyOf(tokens, 50)));
        CliRun.Run r = CliRun.run("eval", "--model", modelDir.toString(), "--data", data.toString(), "--batch", "2", "--block", "8", "--batches", "10", "--json");
        assertEquals(0, r.code, r.err);
        assertEquals(3, r.json().get("batches").asInt());
        assertEquals(expected(2, 8, 3), r.json().get("loss").asDouble(), 1e-5);
        assertTrue(r.out.contains("only 3 full batches"), r.out);
    }

    @Test
    void blockDefaultsToTheModelsContext() throws IOException {
        Path data = Files.write(tmp.resolve("val.bin"), llmc(tokens, tokens.length));
        CliRun.Run r = CliRun.run("eval", "--model", modelDir.toString(), "--data", data.toString(), "--batch", "2", "--batches", "1", "--json");
        assertEquals(0, r.code, r.err);
        assertEquals(8, r.json().get("block").asInt());
    }

    // ---- errors: exit 2, one line naming the file ---------------------------------------------------------


    private String evalFails(Path model, Path data, String... more) {
        String[] base = {"eval", "--model", model.toString(), "--data", data.toString(), "--batch", "2", "--block", "8"};
        String[] all = Arrays.copyOf(base, base.length + more.length);
        System.arraycopy(more, 0, all, base.length, more.length);
        return CliRun.fails(all);
    }

    @Test
    void errors() throws IOException {
        Path data = Files.write(tmp.resolve("val.bin"), llmc(tokens, tokens.length));
        Path none = tmp.resolve("missing");
        assertEquals("jgpt: " + none + ": model not found (give a model directory or an llm.c checkpoint file)", evalFails(none, data));
        String missing = evalFails(modelDir, none);
        assertTrue(missing.startsWith("jgpt: ") && missing.contains(none.toString()) && missing.contains("does not exist"), missing);

        Path cut = Files.write(tmp.resolve("cut.bin"), llmc(tokens, tokens.length + 10));
        assertTrue(evalFails(modelDir, cut).contains(cut + " is truncated"));
        byte[] v2 = llmc(tokens, tokens.length);
        v2[4] = 2;
        Path ver = Files.write(tmp.resolve("v2.bin"), v2);
        assertTrue(evalFails(modelDir, ver).contains(ver + " is an llm.c token file of version 2"));
        Path odd = Files.write(tmp.resolve("odd.u16"), Arrays.copyOf(bare(tokens), 2 * tokens.length - 1));
        assertTrue(evalFails(modelDir, odd).contains(odd.toString()));

        Path few = Files.write(tmp.resolve("few.bin"), llmc(Arrays.copyOf(tokens, 16), 16));
        assertTrue(evalFails(modelDir, few).contains(few + ": 16 tokens, too few for one batch of 2×8 (needs 17)"));

        int[] big = tokens.clone();
        big[5] = 5000;
        Path oov = Files.write(tmp.resolve("oov.bin"), llmc(big, big.length));
        assertTrue(evalFails(modelDir, oov).contains(oov + ": token 5000 at position 5 is outside the model's vocabulary of 13"));

        String tooLong = CliRun.fails("eval", "--model", modelDir.toString(), "--data", data.toString(), "--block", "16");
        assertTrue(tooLong.contains("--block 16 is larger than the model's context of 8") && tooLong.contains(modelDir.resolve("config.json").toString()), tooLong);

        // a config.json that disagrees with the tensors
        Path other = tmp.resolve("other");
        ModelStore.save(other, model);
        ModelStore.writeConfig(other, Config.gpt2(V, 8, 2, 2, 16));
        String shape = evalFails(other, data);
        assertTrue(shape.contains(other.resolve("model.safetensors") + ": tensor 'wte.weight' has shape [13, 8] but") && shape.contains("[13, 16]"), shape);

        // truncated weights
        Path trunc = tmp.resolve("trunc");
        ModelStore.save(trunc, model);
        byte[] w = Files.readAllBytes(trunc.resolve("model.safetensors"));
        Files.write(trunc.resolve("model.safetensors"), Arrays.copyOf(w, w.length - 100));
        assertTrue(evalFails(trunc, data).contains(trunc.resolve("model.safetensors") + ": truncated"));

        assertTrue(CliRun.fails("eval", "--model", modelDir.toString(), "--data", data.toString(), "--batch", "0").contains("--batch must be positive"));
        assertTrue(CliRun.fails("eval", "--data", data.toString()).contains("--model"));
    }
}
