package jgpt.io;

import jgpt.UserError;
import jgpt.model.Config;
import jgpt.model.GPT;
import jgpt.model.ParamLayout;
import jgpt.tensor.DType;
import jgpt.tensor.NaiveKernels;
import jgpt.tensor.Tensor;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.condition.EnabledIfSystemProperty;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.function.Consumer;

import static org.junit.jupiter.api.Assertions.*;

class ModelStoreTest {

    @TempDir Path tmp;

    // ===================================================================================== config.json

    /** The config.json of Hugging Face's "gpt2" checkpoint, as published. */
    static final String HF_GPT2_CONFIG = """
            {
              "activation_function": "gelu_new",
              "architectures": ["GPT2LMHeadModel"],
              "attn_pdrop": 0.1,
              "bos_token_id": 50256,
              "embd_pdrop": 0.1,
              "eos_token_id": 50256,
              "initializer_range": 0.02,
              "layer_norm_epsilon": 1e-05,
              "model_type": "gpt2",
              "n_ctx": 1024,
              "n_embd": 768,
              "n_head": 12,
              "n_layer": 12,
              "n_positions": 1024,
              "resid_pdrop": 0.1,
              "summary_activation": null,
              "summary_first_dropout": 0.1,
              "summary_proj_to_labels": true,
              "summary_type": "cls_index",
              "summary_use_proj": true,
              "task_specific_params": {"text-generation": {"do_sample": true, "max_length": 50}},
              "vocab_size": 50257
            }
            """;

    @Test
    void readsHuggingFaceGpt2Config() throws IOException {
        Files.writeString(tmp.resolve("config.json"), HF_GPT2_CONFIG);
        assertEquals(Config.preset("gpt2"), ModelStore.readConfig(tmp));
    }

    @Test
    void configRoundTripsForEveryPresetAndVariant() {
        List<Config> all = new ArrayList<>(Config.PRESETS.values());
        Config t = Config.textbook(11, 8, 2, 2, 8);
        all.add(new Config(11, 8, 2, 2, 8, 24, Config.Norm.POST, Config.Activation.GELU, Config.Positions.ROPE, true, false, 500000, 1e-6));
        all.add(new Config(11, 8, 2, 2, 8, 32, Config.Norm.PRE, Config.Activation.RELU, Config.Positions.SINUSOIDAL, true, true, 123, 1e-5));
        all.add(t);
        all.add(new Config(11, 8, 2, 2, 8, 32, Config.Norm.PRE, Config.Activation.RELU2, Config.Positions.ROPE, false, false, 10000, 1e-5, Config.NormType.RMS, true, 15));
        all.add(t.withModern(Config.NormType.RMS, false, 0));
        for (Config c : all) {
            Path d = tmp.resolve("cfg" + all.indexOf(c));
            ModelStore.writeConfig(d, c);
            assertEquals(c, ModelStore.readConfig(d), c.toString());
        }
    }

    @Test
    void writesGpt2KeysAndOurExtras() throws IOException {
        ModelStore.writeConfig(tmp, Config.preset("gpt2"));
        var j = new com.fasterxml.jackson.databind.ObjectMapper().readTree(tmp.resolve("config.json").toFile());
        assertEquals("gpt2", j.get("model_type").asText());
        assertEquals(768, j.get("n_embd").asInt());
        assertEquals(1024, j.get("n_ctx").asInt());
        assertTrue(j.get("n_inner").isNull(), "4·n_embd is written as null like GPT-2");
        assertEquals("gelu_new", j.get("activation_function").asText());
        assertTrue(j.get("tie_word_embeddings").asBoolean());
        assertEquals("pre", j.get("jgpt_norm").asText());
        assertEquals("learned", j.get("jgpt_positions").asText());
        assertFalse(j.has("rope_theta"), "only RoPE models (or a non-default theta) carry rope_theta");
        ModelStore.writeConfig(tmp, Config.preset("textbook"));
        j = new com.fasterxml.jackson.databind.ObjectMapper().readTree(tmp.resolve("config.json").toFile());
        assertEquals("post", j.get("jgpt_norm").asText());
        assertEquals("sinusoidal", j.get("jgpt_positions").asText());
        assertEquals("relu", j.get("activation_function").asText());
        assertFalse(j.get("tie_word_embeddings").asBoolean());
    }

    private UserError configFails(String json) throws IOException {
        Path d = Files.createTempDirectory(tmp, "c");
        Files.writeString(d.resolve("config.json"), json);
        UserError e = assertThrows(UserError.class, () -> ModelStore.readConfig(d));
        assertTrue(e.getMessage().startsWith(d.resolve("config.json") + ": "), e.getMessage());
        return e;
    }

    @Test
    void configErrorsNameTheFileAndTheKey() throws IOException {
        String ok = "\"vocab_size\": 11, \"n_positions\": 8, \"n_embd\": 8, \"n_layer\": 2, \"n_head\": 2";
        assertTrue(configFails("{").getMessage().contains("not valid JSON"));
        assertTrue(configFails("[1]").getMessage().contains("not a JSON object"));
        assertTrue(configFails("{\"vocab_size\": 11, \"n_positions\": 8, \"n_layer\": 2, \"n_head\": 2}").getMessage().contains("missing \"n_embd\""));
        assertTrue(configFails("{" + ok.replace("\"n_layer\": 2", "\"n_layer\": \"2\"") + "}").getMessage().contains("\"n_layer\" must be an integer"));
        assertTrue(configFails("{" + ok + ", \"jgpt_norm\": \"middle\"}").getMessage().contains("\"jgpt_norm\" is 'middle', expected one of pre, post"));
        assertTrue(configFails("{" + ok + ", \"jgpt_bias\": 1}").getMessage().contains("\"jgpt_bias\" must be true or false"));
        assertTrue(configFails("{" + ok + ", \"model_type\": \"llama\"}").getMessage().contains("model_type 'llama' is not supported"));
        assertTrue(configFails("{" + ok + ", \"activation_function\": \"silu\"}").getMessage().contains("activation_function 'silu' is not supported"));
        assertTrue(configFails("{" + ok.replace("\"n_head\": 2", "\"n_head\": 3") + "}").getMessage().contains("divisible by heads"));
        // n_ctx alone is accepted for n_positions
        Path d = tmp.resolve("ctx");
        Files.createDirectories(d);
        Files.writeString(d.resolve("config.json"), "{" + ok.replace("n_positions", "n_ctx") + "}");
        assertEquals(8, ModelStore.readConfig(d).block());
    }

    @Test
    void directoryErrors() throws IOException {
        Path missing = tmp.resolve("nope");
        assertEquals(missing + ": model not found (give a model directory or an llm.c checkpoint file)", assertThrows(UserError.class, () -> ModelStore.readConfig(missing)).getMessage());
        Path file = Files.writeString(tmp.resolve("f.txt"), "x");
        assertTrue(assertThrows(UserError.class, () -> ModelStore.load(file, new NaiveKernels())).getMessage().startsWith(file + ": not an llm.c model checkpoint"));
        assertTrue(assertThrows(UserError.class, () -> ModelStore.readConfig(tmp)).getMessage()
                .startsWith(tmp.resolve("config.json") + ": file not found"));
        ModelStore.writeConfig(tmp, Config.gpt2(11, 8, 1, 2, 8));
        assertEquals(tmp.resolve("model.safetensors") + ": file not found",
                assertThrows(UserError.class, () -> ModelStore.check(tmp)).getMessage());
    }

    // ===================================================================================== save / load

    /** Every parameter random, gains and biases included, so a swapped or dropped tensor shows. */
    static GPT randomModel(Config c, long seed) {
        GPT m = new GPT(c, DType.F32, new NaiveKernels());
        Random r = new Random(seed);
        for (int i = 0; i < m.params.size; i++) m.params.f[i] = (float) r.nextGaussian();
        return m;
    }

    @Test
    void saveThenLoadIsBitIdenticalForEveryVariant() {
        List<Config> cfgs = List.of(Config.gpt2(13, 8, 2, 2, 8), Config.textbook(13, 8, 2, 2, 8), Config.rope(13, 8, 2, 2, 8),
                new Config(13, 8, 2, 2, 8, 20, Config.Norm.POST, Config.Activation.GELU, Config.Positions.LEARNED, true, false, 10000, 1e-5),
                new Config(13, 8, 2, 2, 8, 16, Config.Norm.PRE, Config.Activation.RELU2, Config.Positions.ROPE, false, true, 10000, 1e-5, Config.NormType.RMS, true, 15));
        for (Config c : cfgs) {
            GPT m = randomModel(c, c.hashCode());
            Path d = tmp.resolve("m" + cfgs.indexOf(c));
            ModelStore.save(d, m);
            GPT back = ModelStore.load(d, new NaiveKernels());
            assertEquals(c, back.cfg);
            assertArrayEquals(m.params.f, back.params.f, c.toString());
            ModelStore.Loaded raw = ModelStore.read(d);
            assertArrayEquals(m.params.f, raw.params().f);
            // same model, same outputs
            int[] tok = {1, 2, 3, 4, 5, 6, 7, 8}, tgt = {2, 3, 4, 5, 6, 7, 8, 9};
            assertEquals(m.forward(tok, tgt, 2, 4), back.forward(tok, tgt, 2, 4));
            try (var files = Files.list(d)) {
                assertEquals(List.of("config.json", "model.safetensors"), files.map(p -> p.getFileName().toString()).sorted().toList());
            } catch (IOException e) {
                throw new RuntimeException(e);
            }
        }
    }

    @Test
    void anF64ModelIsSavedAsF32AndLoadsBackAsEither() {
        Config c = Config.textbook(13, 8, 1, 2, 8);
        GPT m = new GPT(c, DType.F64, new NaiveKernels()).initGpt2(3);
        ModelStore.save(tmp, m);
        GPT f64 = ModelStore.load(tmp, DType.F64, new NaiveKernels());
        for (int i = 0; i < m.params.size; i++) assertEquals((float) m.params.d[i], f64.params.d[i]);
    }

    @Test
    void savedFileUsesGpt2NamesAndTheFusedAttentionLayout() {
        Config c = Config.gpt2(13, 8, 2, 2, 8);
        GPT m = randomModel(c, 5);
        ModelStore.save(tmp, m);
        int C = 8;
        try (Safetensors.Reader r = Safetensors.open(tmp.resolve("model.safetensors"))) {
            assertEquals(Map.of("format", "pt"), r.metadata());
            List<String> names = r.entries().stream().map(Safetensors.Entry::name).toList();
            assertEquals("wte.weight", names.getFirst());
            assertTrue(names.contains("h.1.attn.c_attn.weight") && names.contains("ln_f.bias") && names.contains("wpe.weight"));
            assertFalse(names.contains("lm_head.weight"), "tied: no lm_head");
            assertTrue(names.stream().noneMatch(n -> n.startsWith("transformer.")));
            assertTrue(r.entries().stream().allMatch(e -> e.dtype().equals("F32")));
            Safetensors.Entry e = r.get("h.1.attn.c_attn.weight");
            assertArrayEquals(new int[]{C, 3 * C}, e.shape());
            Tensor all = Tensor.zeros(DType.F32, "c_attn", C, 3 * C);
            r.read(e, all);
            Tensor wq = m.param("layer.1.wq"), wk = m.param("layer.1.wk"), wv = m.param("layer.1.wv");
            for (int i = 0; i < C; i++)
                for (int j = 0; j < C; j++) {
                    assertEquals(wq.get(i * C + j), all.get(i * 3 * C + j));
                    assertEquals(wk.get(i * C + j), all.get(i * 3 * C + C + j));
                    assertEquals(wv.get(i * C + j), all.get(i * 3 * C + 2 * C + j));
                }
        }
        ModelStore.save(tmp, randomModel(Config.textbook(13, 8, 1, 2, 8), 6));
        try (Safetensors.Reader r = Safetensors.open(tmp.resolve("model.safetensors"))) {
            assertArrayEquals(new int[]{13, 8}, r.get("lm_head.weight").shape());
            assertNull(r.get("wpe.weight"), "sinusoidal positions are not parameters");
            assertNull(r.get("ln_f.weight"), "post-LN has no final LayerNorm");
        }
    }

    // ===================================================================================== a Hugging Face-style checkpoint

    /**
     * A tiny GPT-2 checkpoint as transformers' GPT2LMHeadModel.save_pretrained would lay it out, built without
     * ModelStore: "transformer." prefixes, fused c_attn, tied lm_head present, causal-mask buffers present,
     * keys in a different order than ours. Tensor k holds value 1000·k + i at element i.
     */
    static final int V = 7, T = 5, C = 4, L = 2, F = 16;

    static final class Hf {
        final Map<String, float[]> values = new HashMap<>();
        final StFile st = new StFile();

        Hf() {
            List<Object[]> keys = new ArrayList<>();   // name, shape
            keys.add(new Object[]{"transformer.ln_f.weight", new int[]{C}});
            keys.add(new Object[]{"transformer.ln_f.bias", new int[]{C}});
            for (int l = 0; l < L; l++) {
                String h = "transformer.h." + l + ".";
                keys.add(new Object[]{h + "ln_1.weight", new int[]{C}});
                keys.add(new Object[]{h + "ln_1.bias", new int[]{C}});
                keys.add(new Object[]{h + "attn.bias", new int[]{1, 1, T, T}});
                keys.add(new Object[]{h + "attn.masked_bias", new int[]{}});
                keys.add(new Object[]{h + "attn.c_attn.weight", new int[]{C, 3 * C}});
                keys.add(new Object[]{h + "attn.c_attn.bias", new int[]{3 * C}});
                keys.add(new Object[]{h + "attn.c_proj.weight", new int[]{C, C}});
                keys.add(new Object[]{h + "attn.c_proj.bias", new int[]{C}});
                keys.add(new Object[]{h + "ln_2.weight", new int[]{C}});
                keys.add(new Object[]{h + "ln_2.bias", new int[]{C}});
                keys.add(new Object[]{h + "mlp.c_fc.weight", new int[]{C, F}});
                keys.add(new Object[]{h + "mlp.c_fc.bias", new int[]{F}});
                keys.add(new Object[]{h + "mlp.c_proj.weight", new int[]{F, C}});
                keys.add(new Object[]{h + "mlp.c_proj.bias", new int[]{C}});
            }
            keys.add(new Object[]{"transformer.wpe.weight", new int[]{T, C}});
            keys.add(new Object[]{"transformer.wte.weight", new int[]{V, C}});
            for (int k = 0; k < keys.size(); k++) {
                String name = (String) keys.get(k)[0];
                int[] shape = (int[]) keys.get(k)[1];
                float[] v = new float[Math.toIntExact(Tensor.numelLong(shape))];
                for (int i = 0; i < v.length; i++) v[i] = 1000f * (k + 1) + i;
                values.put(name, v);
                st.f32(name, v, shape);
            }
            st.f32("lm_head.weight", values.get("transformer.wte.weight"), V, C);   // tied: a copy of wte
        }

        static final String CONFIG = "{\"model_type\": \"gpt2\", \"vocab_size\": " + V + ", \"n_positions\": " + T + ", \"n_ctx\": " + T
                + ", \"n_embd\": " + C + ", \"n_layer\": " + L + ", \"n_head\": 2, \"n_inner\": null, \"activation_function\": \"gelu_new\","
                + " \"layer_norm_epsilon\": 1e-05}";

        Path write(Path dir, String config) throws IOException {
            Files.createDirectories(dir);
            Files.writeString(dir.resolve("config.json"), config);
            st.write(dir.resolve("model.safetensors"));
            return dir;
        }
    }

    @Test
    void loadsAHuggingFaceStyleCheckpointMappingEveryValue() throws IOException {
        Hf hf = new Hf();
        Path d = hf.write(tmp.resolve("hf"), Hf.CONFIG);
        GPT m = ModelStore.load(d, new NaiveKernels());
        assertEquals(Config.gpt2(V, T, L, 2, C), m.cfg);
        assertArrayEquals(hf.values.get("transformer.wte.weight"), m.param("wEmbed").toFloats());
        assertArrayEquals(hf.values.get("transformer.wpe.weight"), m.param("wPos").toFloats());
        assertArrayEquals(hf.values.get("transformer.ln_f.weight"), m.param("lnfG").toFloats());
        assertArrayEquals(hf.values.get("transformer.ln_f.bias"), m.param("lnfB").toFloats());
        for (int l = 0; l < L; l++) {
            String h = "transformer.h." + l + ".", p = "layer." + l + ".";
            float[] w = hf.values.get(h + "attn.c_attn.weight"), b = hf.values.get(h + "attn.c_attn.bias");
            Tensor wq = m.param(p + "wq"), wk = m.param(p + "wk"), wv = m.param(p + "wv");
            for (int i = 0; i < C; i++)
                for (int j = 0; j < C; j++) {
                    assertEquals(w[i * 3 * C + j], wq.get(i * C + j));
                    assertEquals(w[i * 3 * C + C + j], wk.get(i * C + j));
                    assertEquals(w[i * 3 * C + 2 * C + j], wv.get(i * C + j));
                }
            for (int j = 0; j < C; j++) {
                assertEquals(b[j], m.param(p + "bq").get(j));
                assertEquals(b[C + j], m.param(p + "bk").get(j));
                assertEquals(b[2 * C + j], m.param(p + "bv").get(j));
            }
            assertArrayEquals(hf.values.get(h + "attn.c_proj.weight"), m.param(p + "wo").toFloats());
            assertArrayEquals(hf.values.get(h + "attn.c_proj.bias"), m.param(p + "bo").toFloats());
            assertArrayEquals(hf.values.get(h + "ln_1.weight"), m.param(p + "ln1g").toFloats());
            assertArrayEquals(hf.values.get(h + "ln_1.bias"), m.param(p + "ln1b").toFloats());
            assertArrayEquals(hf.values.get(h + "ln_2.weight"), m.param(p + "ln2g").toFloats());
            assertArrayEquals(hf.values.get(h + "ln_2.bias"), m.param(p + "ln2b").toFloats());
            assertArrayEquals(hf.values.get(h + "mlp.c_fc.weight"), m.param(p + "w1").toFloats());
            assertArrayEquals(hf.values.get(h + "mlp.c_fc.bias"), m.param(p + "b1").toFloats());
            assertArrayEquals(hf.values.get(h + "mlp.c_proj.weight"), m.param(p + "w2").toFloats());
            assertArrayEquals(hf.values.get(h + "mlp.c_proj.bias"), m.param(p + "b2").toFloats());
        }
        // every element came from the file: the values are all distinct and all accounted for
        long fileValues = hf.values.entrySet().stream().filter(e -> !e.getKey().endsWith(".attn.bias") && !e.getKey().endsWith(".attn.masked_bias"))
                .mapToLong(e -> e.getValue().length).sum();
        assertEquals(fileValues, m.params.size);
        // and saving it again gives our (prefix-less) file with the same parameters
        ModelStore.save(tmp.resolve("again"), m);
        assertArrayEquals(m.params.f, ModelStore.load(tmp.resolve("again"), new NaiveKernels()).params.f);
    }

    @Test
    void untiedCheckpointLoadsLmHeadAsWVocab() throws IOException {
        Hf hf = new Hf();
        float[] head = new float[V * C];
        for (int i = 0; i < head.length; i++) head[i] = -1 - i;
        hf.st.tensors.removeIf(t -> t.name().equals("lm_head.weight"));
        hf.st.f32("lm_head.weight", head, V, C);
        Path d = hf.write(tmp.resolve("untied"), Hf.CONFIG.replace("}", ", \"tie_word_embeddings\": false}"));
        GPT m = ModelStore.load(d, new NaiveKernels());
        assertFalse(m.cfg.tied());
        assertArrayEquals(head, m.param("wVocab").toFloats());
    }

    // ---- errors -------------------------------------------------------------------------------------------

    private UserError loadFails(Consumer<Hf> edit, String config) throws IOException {
        Hf hf = new Hf();
        edit.accept(hf);
        Path d = hf.write(Files.createTempDirectory(tmp, "bad"), config);
        UserError e = assertThrows(UserError.class, () -> ModelStore.load(d, new NaiveKernels()));
        assertTrue(e.getMessage().startsWith(d.resolve("model.safetensors") + ": "), e.getMessage());
        assertFalse(e.getMessage().contains("\n"));
        return e;
    }

    @Test
    void unexpectedTensor() throws IOException {
        UserError e = loadFails(hf -> {}, Hf.CONFIG.replace("}", ", \"jgpt_positions\": \"rope\"}"));
        assertTrue(e.getMessage().contains("unexpected tensor 'transformer.wpe.weight'") && e.getMessage().contains("jgpt_positions=rope"), e.getMessage());
        e = loadFails(hf -> hf.st.f32("transformer.h.0.extra", new float[2], 2), Hf.CONFIG);
        assertTrue(e.getMessage().contains("unexpected tensor 'transformer.h.0.extra'"), e.getMessage());
    }

    @Test
    void missingTensor() throws IOException {
        UserError e = loadFails(hf -> hf.st.tensors.removeIf(t -> t.name().equals("transformer.h.1.ln_2.bias")), Hf.CONFIG);
        assertTrue(e.getMessage().contains("missing tensor 'h.1.ln_2.bias' [4]"), e.getMessage());
        // a config with more layers than the file
        e = loadFails(hf -> {}, Hf.CONFIG.replace("\"n_layer\": 2", "\"n_layer\": 3"));
        assertTrue(e.getMessage().contains("missing tensor 'h.2.ln_1.weight'"), e.getMessage());
    }

    @Test
    void shapeDisagreeingWithConfig() throws IOException {
        UserError e = loadFails(hf -> {
            hf.st.tensors.removeIf(t -> t.name().equals("transformer.h.0.mlp.c_fc.weight"));
            hf.st.f32("transformer.h.0.mlp.c_fc.weight", new float[C * 8], C, 8);
        }, Hf.CONFIG);
        assertTrue(e.getMessage().contains("tensor 'transformer.h.0.mlp.c_fc.weight' has shape [4, 8] but")
                && e.getMessage().contains("config.json implies [4, 16]"), e.getMessage());
        // the config's vocabulary differs from the file's
        e = loadFails(hf -> {}, Hf.CONFIG.replace("\"vocab_size\": 7", "\"vocab_size\": 9"));
        assertTrue(e.getMessage().contains("'transformer.wte.weight' has shape [7, 4]") && e.getMessage().contains("implies [9, 4]"), e.getMessage());
    }

    @Test
    void samePrameterTwice() throws IOException {
        UserError e = loadFails(hf -> hf.st.f32("ln_f.bias", new float[C], C), Hf.CONFIG);
        assertTrue(e.getMessage().contains("'transformer.ln_f.bias' and 'ln_f.bias' are the same parameter"), e.getMessage());
    }

    @Test
    void tiedHeadThatDiffersFromWte() throws IOException {
        UserError e = loadFails(hf -> {
            hf.st.tensors.removeIf(t -> t.name().equals("lm_head.weight"));
            hf.st.f32("lm_head.weight", new float[V * C], V, C);
        }, Hf.CONFIG);
        assertTrue(e.getMessage().contains("'lm_head.weight' differs from wte.weight") && e.getMessage().contains("tie_word_embeddings=true"), e.getMessage());
    }

    @Test
    void integerWeights() throws IOException {
        UserError e = loadFails(hf -> {
            hf.st.tensors.removeIf(t -> t.name().equals("transformer.ln_f.bias"));
            hf.st.raw("transformer.ln_f.bias", "I32", new byte[4 * C], C);
        }, Hf.CONFIG);
        assertTrue(e.getMessage().contains("'transformer.ln_f.bias' has dtype I32"), e.getMessage());
    }

    @Test
    void truncatedWeights() throws IOException {
        Hf hf = new Hf();
        Path d = hf.write(tmp.resolve("cut"), Hf.CONFIG);
        byte[] all = Files.readAllBytes(d.resolve("model.safetensors"));
        Files.write(d.resolve("model.safetensors"), Arrays.copyOf(all, all.length - 3));
        UserError e = assertThrows(UserError.class, () -> ModelStore.load(d, new NaiveKernels()));
        assertTrue(e.getMessage().startsWith(d.resolve("model.safetensors") + ": truncated"), e.getMessage());
    }

    // ===================================================================================== full size

    /** GPT-2 124M's tensor index, written from the published architecture (not from ModelStore). */
    static String gpt2HeaderJson(long[] dataBytes) {
        int V = 50257, T = 1024, C = 768, L = 12;
        StringBuilder sb = new StringBuilder("{\"__metadata__\":{\"format\":\"pt\"}");
        long[] at = {0};
        Consumer<Object[]> add = a -> {
            int[] shape = (int[]) a[1];
            long n = 4 * Tensor.numelLong(shape);
            sb.append(",\"").append(a[0]).append("\":{\"dtype\":\"F32\",\"shape\":").append(Arrays.toString(shape).replace(" ", ""))
                    .append(",\"data_offsets\":[").append(at[0]).append(',').append(at[0] + n).append("]}");
            at[0] += n;
        };
        add.accept(new Object[]{"wte.weight", new int[]{V, C}});
        add.accept(new Object[]{"wpe.weight", new int[]{T, C}});
        for (int l = 0; l < L; l++) {
            String h = "h." + l + ".";
            add.accept(new Object[]{h + "ln_1.weight", new int[]{C}});
            add.accept(new Object[]{h + "ln_1.bias", new int[]{C}});
            add.accept(new Object[]{h + "attn.bias", new int[]{1, 1, T, T}});
            add.accept(new Object[]{h + "attn.c_attn.weight", new int[]{C, 3 * C}});
            add.accept(new Object[]{h + "attn.c_attn.bias", new int[]{3 * C}});
            add.accept(new Object[]{h + "attn.c_proj.weight", new int[]{C, C}});
            add.accept(new Object[]{h + "attn.c_proj.bias", new int[]{C}});
            add.accept(new Object[]{h + "ln_2.weight", new int[]{C}});
            add.accept(new Object[]{h + "ln_2.bias", new int[]{C}});
            add.accept(new Object[]{h + "mlp.c_fc.weight", new int[]{C, 4 * C}});
            add.accept(new Object[]{h + "mlp.c_fc.bias", new int[]{4 * C}});
            add.accept(new Object[]{h + "mlp.c_proj.weight", new int[]{4 * C, C}});
            add.accept(new Object[]{h + "mlp.c_proj.bias", new int[]{C}});
        }
        add.accept(new Object[]{"ln_f.weight", new int[]{C}});
        add.accept(new Object[]{"ln_f.bias", new int[]{C}});
        dataBytes[0] = at[0];
        return sb.append('}').toString();
    }

    static Path gpt2Sparse(Path dir) throws IOException {
        Files.createDirectories(dir);
        Files.writeString(dir.resolve("config.json"), HF_GPT2_CONFIG);
        long[] n = new long[1];
        String h = gpt2HeaderJson(n);
        StFile.writeSparse(dir.resolve("model.safetensors"), h, n[0]);   // a hole: no disk space, reads as zeros
        return dir;
    }

    @Test
    void gpt2SmallIndexValidatesWithoutAllocating() throws IOException {
        Path d = gpt2Sparse(tmp.resolve("gpt2"));
        Config c = ModelStore.check(d);
        assertEquals(Config.preset("gpt2"), c);
        assertEquals(124_439_808L, new ParamLayout(c).total, "GPT-2 small's published parameter count");
    }

    /** Reads all 124M parameters (zeros from a sparse file). Run with -Djgpt.big=true; needs ~1 GB of heap. */
    @Test
    @EnabledIfSystemProperty(named = "jgpt.big", matches = "true")
    void gpt2SmallLoadsFully() throws IOException {
        Path d = gpt2Sparse(tmp.resolve("gpt2"));
        GPT m = ModelStore.load(d, new NaiveKernels());
        assertEquals(124_439_808, m.params.size);
        assertEquals(0f, m.param("layer.11.b2").get(767));
    }
}
