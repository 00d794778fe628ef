package jgpt.io;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import jgpt.UserError;
import jgpt.model.Config;
import jgpt.model.GPT;
import jgpt.tensor.DType;
import jgpt.tensor.NaiveKernels;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Random;

import static org.junit.jupiter.api.Assertions.*;

/**
 * llm.c checkpoints against files written independently of jgpt (tools/llmc_fixture.py: numpy from llm.c's layout,
 * expected losses from numpy and PyTorch float64), and the writer against them byte for byte.
 */
public class LlmcCheckpointTest {
    static final Path FIXTURES = fixtures();

    /** src/test/resources/fixtures/llmc as the test classpath holds it (made by tools/llmc_fixture.py). */
    public static Path fixtures() {
        try {
            return Path.of(LlmcCheckpointTest.class.getResource("/fixtures/llmc/expected.json").toURI()).getParent();
        } catch (java.net.URISyntaxException e) {
            throw new IllegalStateException(e);
        }
    }
    @TempDir Path tmp;

    public static JsonNode expected() throws IOException {
        return new ObjectMapper().readTree(FIXTURES.resolve("expected.json").toFile());
    }

    /** The fixture's mean loss over its B×T tokens, computed by our model from the loaded file. */
    static double loss(GPT m, JsonNode e) {
        int B = e.get("B").asInt(), T = e.get("T").asInt();
        int[] s = new int[B * T + 1];
        for (int i = 0; i < s.length; i++) s[i] = e.get("tokens").get(i).asInt();
        int[] x = java.util.Arrays.copyOfRange(s, 0, B * T), y = java.util.Arrays.copyOfRange(s, 1, B * T + 1);
        return m.loss(x, y, B, T);
    }

    @Test
    void readsTheIndependentFixturesToTheirFloat64Loss() throws IOException {
        JsonNode e = expected();
        for (String dt : new String[] {"f32", "bf16"}) {
            Path f = FIXTURES.resolve("model_" + dt + ".bin");
            LlmcCheckpoint.Header h = LlmcCheckpoint.header(f);
            assertEquals(dt.equals("f32") ? LlmcCheckpoint.Precision.F32 : LlmcCheckpoint.Precision.BF16, h.precision());
            assertEquals(Config.gpt2(e.get("V").asInt(), e.get("maxT").asInt(), e.get("L").asInt(), e.get("NH").asInt(), e.get("C").asInt()), h.config());
            assertEquals(e.get("Vp").asInt(), h.Vp());
            for (DType precision : DType.values()) {
                GPT m = ModelStore.load(f, precision, new NaiveKernels());
                assertEquals(e.get("loss_" + dt).asDouble(), loss(m, e), 1e-5, dt + " as " + precision);
                if (e.has("loss_" + dt + "_torch")) assertEquals(e.get("loss_" + dt + "_torch").asDouble(), loss(m, e), 1e-5);
            }
        }
    }

    @Test
    void writesTheFixturesByteForByte() throws IOException {
        for (LlmcCheckpoint.Precision p : LlmcCheckpoint.Precision.values()) {
            Path src = FIXTURES.resolve("model_" + p.name().toLowerCase() + ".bin");
            ModelStore.Loaded m = ModelStore.read(src);
            Path out = tmp.resolve(p + ".bin");
            LlmcCheckpoint.write(out, m.cfg(), m.params(), p);
            assertArrayEquals(Files.readAllBytes(src), Files.readAllBytes(out), p.name());
        }
        // and the f32 weights rounded to bf16 here are the bf16 file numpy rounded
        ModelStore.Loaded m = ModelStore.read(FIXTURES.resolve("model_f32.bin"));
        Path out = tmp.resolve("rounded.bin");
        LlmcCheckpoint.write(out, m.cfg(), m.params(), LlmcCheckpoint.Precision.BF16);
        assertArrayEquals(Files.readAllBytes(FIXTURES.resolve("model_bf16.bin")), Files.readAllBytes(out));
    }

    @Test
    void randomModelsRoundTripExactlyAndTheirLossIsKept() {
        // V = 50 pads to 128; an F64 model is written in F32 and reads back as the same floats
        Config c = Config.gpt2(50, 9, 2, 3, 12);
        GPT a = new GPT(c, DType.F32, new NaiveKernels());
        Random r = new Random(3);
        for (int i = 0; i < a.params.size; i++) a.params.set(i, r.nextGaussian() * 0.3);
        Path f = tmp.resolve("m.bin");
        LlmcCheckpoint.write(f, c, a.params, LlmcCheckpoint.Precision.F32);
        GPT b = ModelStore.load(f, new NaiveKernels());
        assertArrayEquals(a.params.toFloats(), b.params.toFloats());
        int[] x = {1, 4, 9, 49, 0, 7, 3, 3}, y = {4, 9, 49, 0, 7, 3, 3, 2};
        assertEquals(a.loss(x, y, 2, 4), b.loss(x, y, 2, 4));
    }

    @Test
    void bf16RoundsToNearestEven() {
        assertEquals((short) 0x3F80, LlmcCheckpoint.floatToBf16(1f));
        float ulp = (float) Math.pow(2, -7);                                    // bf16's spacing at 1
        assertEquals((short) 0x3F80, LlmcCheckpoint.floatToBf16(1f + ulp / 2));  // tie, 0x3F80 is even
        assertEquals((short) 0x3F82, LlmcCheckpoint.floatToBf16(1f + 3 * ulp / 2)); // tie, 0x3F82 is even
        assertEquals((short) 0x3F81, LlmcCheckpoint.floatToBf16(Math.nextUp(1f + ulp / 2)));
        assertEquals((short) 0xBF81, LlmcCheckpoint.floatToBf16(-Math.nextUp(1f + ulp / 2)));
        assertEquals((short) 0x7F80, LlmcCheckpoint.floatToBf16(Float.MAX_VALUE));   // past bf16's largest: infinity
        assertEquals((short) 0xFF80, LlmcCheckpoint.floatToBf16(Float.NEGATIVE_INFINITY));
        assertTrue(Float.isNaN(LlmcCheckpoint.bf16ToFloat(LlmcCheckpoint.floatToBf16(Float.NaN))));
        assertTrue(Float.isNaN(LlmcCheckpoint.bf16ToFloat(LlmcCheckpoint.floatToBf16(Float.intBitsToFloat(0x7F800001)))), "a NaN must not become infinity");
        for (int i = 0; i < 1000; i++) {                                         // exact bf16 values come back unchanged
            short b = (short) (i * 61);
            float v = LlmcCheckpoint.bf16ToFloat(b);
            if (!Float.isNaN(v)) assertEquals(b, LlmcCheckpoint.floatToBf16(v));
        }
    }

    @Test
    void modelsLlmcCannotHoldAreRefusedNamingTheSwitch() {
        Config g = Config.gpt2(11, 8, 1, 2, 8);
        assertNull(LlmcCheckpoint.unsupported(g));
        String[][] cases = {
                {"post", "norm post", "jgpt_norm"}, {"sinusoidal", "positions sinusoidal", "jgpt_positions"},
                {"rope", "positions rope", "jgpt_positions"}, {"relu", "activation relu", "activation_function"},
                {"untied", "untied", "tie_word_embeddings"}, {"nobias", "no-bias", "jgpt_bias"}, {"ffn", "ffn", "n_inner"},
                {"eps", null, "layer_norm_epsilon"}, {"relu2", "activation relu2", "activation_function"},
                {"rms", "norm-type rms", "jgpt_norm_type"}, {"qknorm", "qk-norm", "jgpt_qk_norm"}, {"softcap", "logit-softcap", "jgpt_logit_softcap"}};
        for (String[] c : cases) {
            Config bad = switch (c[0]) {
                case "post" -> new Config(11, 8, 1, 2, 8, 32, Config.Norm.POST, g.activation(), g.positions(), true, true, 1e4, 1e-5);
                case "sinusoidal" -> new Config(11, 8, 1, 2, 8, 32, g.norm(), g.activation(), Config.Positions.SINUSOIDAL, true, true, 1e4, 1e-5);
                case "rope" -> new Config(11, 8, 1, 2, 8, 32, g.norm(), g.activation(), Config.Positions.ROPE, true, true, 1e4, 1e-5);
                case "relu" -> new Config(11, 8, 1, 2, 8, 32, g.norm(), Config.Activation.RELU, g.positions(), true, true, 1e4, 1e-5);
                case "untied" -> new Config(11, 8, 1, 2, 8, 32, g.norm(), g.activation(), g.positions(), false, true, 1e4, 1e-5);
                case "nobias" -> new Config(11, 8, 1, 2, 8, 32, g.norm(), g.activation(), g.positions(), true, false, 1e4, 1e-5);
                case "ffn" -> new Config(11, 8, 1, 2, 8, 24, g.norm(), g.activation(), g.positions(), true, true, 1e4, 1e-5);
                case "relu2" -> new Config(11, 8, 1, 2, 8, 32, g.norm(), Config.Activation.RELU2, g.positions(), true, true, 1e4, 1e-5);
                case "rms" -> g.withModern(Config.NormType.RMS, false, 0);
                case "qknorm" -> g.withModern(Config.NormType.LAYER, true, 0);
                case "softcap" -> g.withModern(Config.NormType.LAYER, false, 30);
                default -> new Config(11, 8, 1, 2, 8, 32, g.norm(), g.activation(), g.positions(), true, true, 1e4, 1e-6);
            };
            var e = assertThrows(LlmcCheckpoint.CannotRepresent.class, () -> LlmcCheckpoint.requireSupported(bad, "this model"));
            assertTrue(e.getMessage().startsWith("llm.c cannot represent this model: ") && e.getMessage().contains(c[2]), e.getMessage());
            assertFalse(e.getMessage().contains("--"), "the library quotes no flag: " + e.getMessage());
            assertEquals(c[1], e.why().setting());
            GPT m = new GPT(bad, DType.F32, new NaiveKernels());
            Path f = tmp.resolve(c[0] + ".bin");
            assertThrows(UserError.class, () -> LlmcCheckpoint.write(f, bad, m.params, LlmcCheckpoint.Precision.F32));
            assertFalse(Files.exists(f));
        }
    }

    /** A checkpoint's bytes with header field i set to v (fields: 0 magic, 1 version, 2 maxT, 3 V, 4 L, 5 NH, 6 C, 7 Vp). */
    static byte[] withField(byte[] file, int i, int v) {
        byte[] b = file.clone();
        ByteBuffer.wrap(b).order(ByteOrder.LITTLE_ENDIAN).putInt(4 * i, v);
        return b;
    }

    @Test
    void aHeaderClaimingMoreParametersThanAJavaArrayIsRefusedBeforeAllocating() throws IOException {
        // sizes that agree with a (sparse) 8.6 GB file: only jgpt's own limit stops it, before anything is allocated
        byte[] head = withField(withField(withField(withField(withField(withField(withField(new byte[1024], 0, LlmcCheckpoint.MAGIC),
                1, 3), 2, 1 << 20), 3, 1), 4, 1), 5, 1), 6, 2048);
        head = withField(head, 7, 128);
        LlmcCheckpoint.Header h = new LlmcCheckpoint.Header(LlmcCheckpoint.Precision.F32, 1 << 20, 1, 1, 1, 2048, 128);
        Path f = tmp.resolve("huge.bin");
        try (var raf = new java.io.RandomAccessFile(f.toFile(), "rw")) {
            raf.write(head);
            raf.setLength(1024 + 4 * h.elements());
        }
        UserError e = assertThrows(UserError.class, () -> ModelStore.open(f));
        assertTrue(e.getMessage().startsWith(f + ": ") && e.getMessage().contains("more parameters than one Java array"), e.getMessage());
        Files.delete(f);
    }
}
