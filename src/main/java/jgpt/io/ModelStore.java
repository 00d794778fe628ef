package jgpt.io;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import com.fasterxml.jackson.databind.node.ObjectNode;
import jgpt.UserError;
import jgpt.model.Config;
import jgpt.model.GPT;
import jgpt.model.ParamLayout;
import jgpt.tensor.DType;
import jgpt.tensor.Kernels;
import jgpt.tensor.Tensor;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.regex.Pattern;

/**
 * A model directory: {@code config.json} + {@code model.safetensors}, laid out like a Hugging Face GPT-2
 * checkpoint so the original GPT-2 weights load as they are and our GPT-2-style models load in transformers.
 * <p>
 * config.json uses GPT-2's keys (vocab_size, n_positions, n_embd, n_layer, n_head, n_inner, layer_norm_epsilon,
 * activation_function, tie_word_embeddings) plus jgpt_norm ("pre"|"post"), jgpt_positions
 * ("learned"|"sinusoidal"|"rope"), jgpt_bias and rope_theta for our variants; a missing one means GPT-2's choice.
 * <p>
 * Tensor names are GPT-2's, with or without the "transformer." prefix. GPT-2's Conv1D stores weights
 * (in, out) like we do, so every weight copies straight across, except the fused attention input
 * c_attn (C, 3C) whose column blocks are wq | wk | wv.
 * <p>
 * Where a model is read, a file instead of a directory is an llm.c checkpoint ({@link LlmcCheckpoint}).
 */
public final class ModelStore {
    private ModelStore() {}

    public static final String CONFIG = "config.json";
    public static final String WEIGHTS = "model.safetensors";

    /** A loaded model before the model class wraps it: its config and its flat parameters in {@link ParamLayout} order. */
    public record Loaded(Config cfg, ParamLayout layout, Tensor params) {}

    /** The causal-mask buffers older PyTorch GPT-2 checkpoints carry; they are not parameters. */
    private static final Pattern IGNORED = Pattern.compile("h\\.\\d+\\.attn\\.(bias|masked_bias)");
    private static final String PREFIX = "transformer.";

    // =====================================================================================================
    // config.json
    // =====================================================================================================

    /** Reads and validates dir/config.json, or the header of an llm.c checkpoint file. */
    public static Config readConfig(Path dir) {
        if (Files.isRegularFile(dir)) return LlmcCheckpoint.readConfig(dir);
        requireDir(dir);
        Path file = dir.resolve(CONFIG);
        JsonNode root;
        try {
            root = new ObjectMapper().readTree(Files.readAllBytes(file));
        } catch (NoSuchFileException e) {
            throw new UserError(file + ": file not found (a model directory holds " + CONFIG + " and " + WEIGHTS + ")");
        } catch (JsonProcessingException e) {
            throw new UserError(file + ": not valid JSON (" + e.getOriginalMessage() + ")");
        } catch (IOException e) {
            throw new UserError(file + ": cannot read (" + e.getMessage() + ")");
        }
        if (root == null || !root.isObject()) throw new UserError(file + ": not a JSON object");
        return parseConfig(root, file);
    }

    static Config parseConfig(JsonNode j, Path file) {
        String type = text(j, "model_type", "gpt2", file);
        if (!type.equals("gpt2"))
            throw new UserError(file + ": model_type '" + type + "' is not supported (jgpt reads GPT-2 style models, model_type \"gpt2\")");
        int vocab = integer(j, "vocab_size", null, file);
        Integer ctx = j.hasNonNull("n_ctx") ? integer(j, "n_ctx", null, file) : null;
        int block = integer(j, "n_positions", ctx, file);
        int layers = integer(j, "n_layer", null, file);
        int heads = integer(j, "n_head", null, file);
        int embd = integer(j, "n_embd", null, file);
        int ffn = integer(j, "n_inner", 4 * embd, file);
        Config.Activation act = switch (text(j, "activation_function", "gelu_new", file)) {
            case "gelu_new", "gelu_pytorch_tanh" -> Config.Activation.GELU;     // both are the tanh form we implement
            case "relu" -> Config.Activation.RELU;
            case "relu2" -> Config.Activation.RELU2;
            default -> throw new UserError(file + ": activation_function '" + j.get("activation_function").asText()
                    + "' is not supported (jgpt implements gelu_new, relu and relu2)");
        };
        Config.Norm norm = choice(j, "jgpt_norm", Config.Norm.class, Config.Norm.PRE, file);
        Config.Positions pos = choice(j, "jgpt_positions", Config.Positions.class, Config.Positions.LEARNED, file);
        boolean tied = bool(j, "tie_word_embeddings", true, file);
        boolean bias = bool(j, "jgpt_bias", true, file);
        double eps = number(j, "layer_norm_epsilon", 1e-5, file);
        double theta = number(j, "rope_theta", 10000, file);
        Config.NormType normType = choice(j, "jgpt_norm_type", Config.NormType.class, Config.NormType.LAYER, file);
        boolean qkNorm = bool(j, "jgpt_qk_norm", false, file);
        double softcap = number(j, "jgpt_logit_softcap", 0, file);
        try {
            return new Config(vocab, block, layers, heads, embd, ffn, norm, act, pos, tied, bias, theta, eps, normType, qkNorm, softcap);
        } catch (IllegalArgumentException e) {
            throw new UserError(file + ": " + e.getMessage());
        }
    }

    /** The config.json object for c (HF GPT-2 keys first, then ours). */
    static ObjectNode configJson(Config c) {
        ObjectNode j = new ObjectMapper().createObjectNode();
        j.putArray("architectures").add("GPT2LMHeadModel");
        j.put("model_type", "gpt2");
        j.put("vocab_size", c.vocab());
        j.put("n_positions", c.block());
        j.put("n_ctx", c.block());
        j.put("n_embd", c.embd());
        j.put("n_layer", c.layers());
        j.put("n_head", c.heads());
        if (c.ffn() == 4 * c.embd()) j.putNull("n_inner"); else j.put("n_inner", c.ffn());
        j.put("activation_function", switch (c.activation()) { case GELU -> "gelu_new"; case RELU -> "relu"; case RELU2 -> "relu2"; });
        j.put("layer_norm_epsilon", c.lnEps());
        j.put("tie_word_embeddings", c.tied());
        j.put("jgpt_norm", lower(c.norm()));
        j.put("jgpt_positions", lower(c.positions()));
        j.put("jgpt_bias", c.bias());
        if (c.positions() == Config.Positions.ROPE || c.ropeTheta() != 10000) j.put("rope_theta", c.ropeTheta());
        if (c.normType() != Config.NormType.LAYER) j.put("jgpt_norm_type", lower(c.normType()));
        if (c.qkNorm()) j.put("jgpt_qk_norm", true);
        if (c.softcap() > 0) j.put("jgpt_logit_softcap", c.softcap());
        return j;
    }

    /** Writes dir/config.json crash-safely. */
    public static void writeConfig(Path dir, Config c) {
        Path file = dir.resolve(CONFIG);
        try {
            byte[] bytes = new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT).writeValueAsBytes(configJson(c));
            byte[] withNewline = Arrays.copyOf(bytes, bytes.length + 1);
            withNewline[bytes.length] = '\n';
            AtomicFiles.write(file, withNewline);
        } catch (IOException e) {
            throw new UserError(file + ": cannot write (" + e.getMessage() + ")");
        }
    }

    private static String lower(Enum<?> e) { return e.name().toLowerCase(Locale.ROOT); }

    private static int integer(JsonNode j, String key, Integer dflt, Path file) {
        JsonNode v = j.get(key);
        if (v == null || v.isNull()) {
            if (dflt == null) throw new UserError(file + ": missing \"" + key + "\"");
            return dflt;
        }
        if (!v.isIntegralNumber() || !v.canConvertToInt()) throw new UserError(file + ": \"" + key + "\" must be an integer, got " + v);
        return v.asInt();
    }

    private static double number(JsonNode j, String key, double dflt, Path file) {
        JsonNode v = j.get(key);
        if (v == null || v.isNull()) return dflt;
        if (!v.isNumber()) throw new UserError(file + ": \"" + key + "\" must be a number, got " + v);
        return v.asDouble();
    }

    private static boolean bool(JsonNode j, String key, boolean dflt, Path file) {
        JsonNode v = j.get(key);
        if (v == null || v.isNull()) return dflt;
        if (!v.isBoolean()) throw new UserError(file + ": \"" + key + "\" must be true or false, got " + v);
        return v.asBoolean();
    }

    private static String text(JsonNode j, String key, String dflt, Path file) {
        JsonNode v = j.get(key);
        if (v == null || v.isNull()) return dflt;
        if (!v.isTextual()) throw new UserError(file + ": \"" + key + "\" must be a string, got " + v);
        return v.asText();
    }

    private static <E extends Enum<E>> E choice(JsonNode j, String key, Class<E> type, E dflt, Path file) {
        String s = text(j, key, null, file);
        if (s == null) return dflt;
        for (E e : type.getEnumConstants()) if (lower(e).equals(s)) return e;
        List<String> ok = new ArrayList<>();
        for (E e : type.getEnumConstants()) ok.add(lower(e));
        throw new UserError(file + ": \"" + key + "\" is '" + s + "', expected one of " + String.join(", ", ok));
    }

    // =====================================================================================================
    // tensor names
    // =====================================================================================================

    /** Spec fills columns [col0, col0 + its width) of an HF tensor seen as (rows, last dim). */
    record Part(ParamLayout.Spec spec, int col0) {}

    /** One tensor of the HF checkpoint, its shape, and the parameters it holds. */
    record HfTensor(String key, int[] shape, List<Part> parts) {
        boolean direct() { return parts.size() == 1 && parts.getFirst().spec.size() == Tensor.numelLong(shape); }
        long rows() { return Tensor.numelLong(shape) / shape[shape.length - 1]; }
    }

    /** Every tensor a checkpoint for this layout holds, in our parameter order (also the write order). */
    static List<HfTensor> hfTensors(ParamLayout L) {
        Config c = L.cfg;
        int C = c.embd(), V = c.vocab(), F = c.ffn();
        List<HfTensor> out = new ArrayList<>();
        out.add(one("wte.weight", L.wEmbed, V, C));                                   // (V, C)
        if (L.wPos != null) out.add(one("wpe.weight", L.wPos, c.block(), C));         // (n_positions, C)
        for (int l = 0; l < c.layers(); l++) {
            ParamLayout.Layer y = L.layers[l];
            String h = "h." + l + ".";
            out.add(one(h + "ln_1.weight", y.ln1g(), C));
            if (y.ln1b() != null) out.add(one(h + "ln_1.bias", y.ln1b(), C));
            out.add(new HfTensor(h + "attn.c_attn.weight", new int[]{C, 3 * C},            // (C, 3C) = wq | wk | wv
                    List.of(new Part(y.wq(), 0), new Part(y.wk(), C), new Part(y.wv(), 2 * C))));
            if (y.bq() != null) out.add(new HfTensor(h + "attn.c_attn.bias", new int[]{3 * C}, // (3C) = bq | bk | bv
                    List.of(new Part(y.bq(), 0), new Part(y.bk(), C), new Part(y.bv(), 2 * C))));
            out.add(one(h + "attn.c_proj.weight", y.wo(), C, C));
            if (y.bo() != null) out.add(one(h + "attn.c_proj.bias", y.bo(), C));
            out.add(one(h + "ln_2.weight", y.ln2g(), C));
            if (y.ln2b() != null) out.add(one(h + "ln_2.bias", y.ln2b(), C));
            out.add(one(h + "mlp.c_fc.weight", y.w1(), C, F));
            if (y.b1() != null) out.add(one(h + "mlp.c_fc.bias", y.b1(), F));
            out.add(one(h + "mlp.c_proj.weight", y.w2(), F, C));
            if (y.b2() != null) out.add(one(h + "mlp.c_proj.bias", y.b2(), C));
        }
        if (L.lnfG != null) out.add(one("ln_f.weight", L.lnfG, C));
        if (L.lnfB != null) out.add(one("ln_f.bias", L.lnfB, C));
        if (L.wVocab != null) out.add(one("lm_head.weight", L.wVocab, V, C));       // (V, C), nn.Linear's (out, in)
        return out;
    }

    private static HfTensor one(String key, ParamLayout.Spec s, int... shape) {
        return new HfTensor(key, shape, List.of(new Part(s, 0)));
    }

    // =====================================================================================================
    // reading
    // =====================================================================================================

    /** Loads a model directory as an F32 model. */
    public static GPT load(Path dir, Kernels k) { return load(dir, DType.F32, k); }

    /** Loads a model directory; the weights go straight from the mapped file into the model's buffer. */
    public static GPT load(Path dir, DType dtype, Kernels k) {
        try (Opened o = open(dir)) {
            GPT model = new GPT(o.cfg, dtype, k);
            o.readInto(model.params);
            return model;
        }
    }

    /** Saves model's config and weights into dir (F32 on disk, also for an F64 model), crash-safely. */
    public static void save(Path dir, GPT model) { write(dir, model.cfg, model.params); }

    /** Validates dir (config.json, every tensor's name, dtype and shape) without reading the weights. */
    public static Config check(Path dir) {
        try (Opened o = open(dir)) {
            return o.cfg;
        }
    }

    /** Reads a model into a new F32 buffer in {@link ParamLayout} order. */
    public static Loaded read(Path dir) {
        try (Opened o = open(dir)) {
            if (o.layout.total > Integer.MAX_VALUE - 8)
                throw new UserError(dir + ": " + o.layout.total + " parameters do not fit one Java array");
            Tensor params = Tensor.zeros(DType.F32, "params", (int) o.layout.total);
            o.readInto(params);
            return new Loaded(o.cfg, o.layout, params);
        }
    }

    /** Where an opened model's weights come from: a safetensors file or an llm.c checkpoint. */
    interface Source extends AutoCloseable {
        /** Fills params (F32 or F64, the layout's size, ParamLayout order). */
        void readInto(Tensor params);
        @Override void close();
    }

    /**
     * A model (directory or llm.c checkpoint file) whose config and tensor index have been checked: nothing allocated
     * yet beyond the header, so a caller can build its model and then {@link #readInto} the model's own buffer.
     */
    public static final class Opened implements AutoCloseable {
        public final Path dir;          // the model directory, or the llm.c checkpoint file
        public final Config cfg;
        public final ParamLayout layout;
        private final Source source;

        Opened(Path dir, Config cfg, ParamLayout layout, Source source) {
            this.dir = dir; this.cfg = cfg; this.layout = layout; this.source = source;
        }

        /** Fills params (F32 or F64, {@code layout.total} elements in ParamLayout order) from the file. */
        public void readInto(Tensor params) {
            if (params.size != layout.total)
                throw new IllegalArgumentException("params has " + params.size + " elements, layout needs " + layout.total);
            source.readInto(params);
        }

        @Override public void close() { source.close(); }
    }

    /** The tensors of a model directory's model.safetensors, matched against its config. */
    private record SafetensorsSource(Path dir, ParamLayout layout, Safetensors.Reader r, Map<HfTensor, Safetensors.Entry> found,
                                     Safetensors.Entry tiedHead) implements Source {
        @Override public void readInto(Tensor params) {
            found.forEach((h, e) -> {
                if (h.direct()) {
                    ParamLayout.Spec s = h.parts.getFirst().spec;
                    r.read(e, view(params, s));
                } else {
                    long rows = h.rows();
                    for (Part p : h.parts) r.readColumns(e, p.col0, (int) (p.spec.size() / rows), view(params, p.spec));
                }
            });
            if (tiedHead != null) checkTiedHead(params);
            for (ParamLayout.Spec s : layout.specs()) {    // a NaN/Inf weight would only show later, as NaN losses or garbage text
                Tensor v = view(params, s);
                for (int i = 0; i < v.size; i++)
                    if (!Double.isFinite(v.get(i)))
                        throw new UserError(r.file + ": " + s.name() + " holds " + v.get(i) + " at element " + i + " (a damaged file?)");
            }
        }

        /** A tied checkpoint may still carry lm_head.weight; it must be a copy of wte or the config is wrong. */
        private void checkTiedHead(Tensor params) {
            Tensor wte = view(params, layout.wEmbed);
            int chunk = (int) Math.min(wte.size, 1 << 20);
            Tensor buf = Tensor.zeros(params.dtype(), "lm_head chunk", chunk);  // (chunk) one bounded window
            for (int at = 0; at < wte.size; at += chunk) {
                int n = Math.min(chunk, wte.size - at);
                r.read(tiedHead, at, n, buf, 0);
                for (int i = 0; i < n; i++)
                    if (Double.compare(buf.get(i), wte.get(at + i)) != 0)
                        throw new UserError(r.file + ": '" + tiedHead.name() + "' differs from wte.weight at element " + (at + i)
                                + " but " + dir.resolve(CONFIG) + " says tie_word_embeddings=true; set it to false to load a separate output matrix");
            }
        }

        @Override public void close() { r.close(); }
    }

    private static Tensor view(Tensor params, ParamLayout.Spec s) {
        return params.view(s.name(), Math.toIntExact(s.offset()), s.shape());
    }

    /**
     * Reads config.json, opens model.safetensors and matches every tensor against the config; a file instead of a
     * directory is read as an llm.c checkpoint ({@link LlmcCheckpoint}).
     */
    public static Opened open(Path dir) {
        if (Files.isRegularFile(dir)) return LlmcCheckpoint.open(dir);
        Config cfg = readConfig(dir);
        ParamLayout layout = new ParamLayout(cfg);
        Path file = dir.resolve(WEIGHTS);
        Safetensors.Reader r = Safetensors.open(file);
        try {
            List<HfTensor> want = hfTensors(layout);
            Map<String, HfTensor> byKey = new HashMap<>();
            for (HfTensor h : want) byKey.put(h.key, h);
            Map<HfTensor, Safetensors.Entry> found = new LinkedHashMap<>();
            Map<String, String> fileKey = new HashMap<>();     // our key -> the name in the file
            Safetensors.Entry tiedHead = null;
            for (Safetensors.Entry e : r.entries()) {
                String k = e.name().startsWith(PREFIX) ? e.name().substring(PREFIX.length()) : e.name();
                if (IGNORED.matcher(k).matches()) continue;
                String prev = fileKey.put(k, e.name());
                if (prev != null)
                    throw new UserError(file + ": tensors '" + prev + "' and '" + e.name() + "' are the same parameter; keep one");
                HfTensor h = byKey.get(k);
                if (h == null && cfg.tied() && k.equals("lm_head.weight")) {
                    h = new HfTensor(k, new int[]{cfg.vocab(), cfg.embd()}, List.of());
                    tiedHead = e;
                } else if (h == null) {
                    throw new UserError(file + ": unexpected tensor '" + e.name() + "' for " + dir.resolve(CONFIG) + " (" + describe(cfg) + ")");
                }
                if (!Arrays.equals(e.shape(), h.shape))
                    throw new UserError(file + ": tensor '" + e.name() + "' has shape " + e.shapeString() + " but "
                            + dir.resolve(CONFIG) + " implies " + Arrays.toString(h.shape) + " (" + describe(cfg) + ")");
                if (!List.of("F32", "F16", "BF16", "F64").contains(e.dtype()))
                    throw new UserError(file + ": tensor '" + e.name() + "' has dtype " + e.dtype() + "; jgpt reads F32, F16, BF16 and F64");
                if (h.parts.isEmpty()) continue;
                found.put(h, e);
            }
            for (HfTensor h : want)
                if (!found.containsKey(h))
                    throw new UserError(file + ": missing tensor '" + h.key + "' " + Arrays.toString(h.shape) + " that "
                            + dir.resolve(CONFIG) + " requires (" + describe(cfg) + ")");
            // read in file order: sequential on disk
            Map<HfTensor, Safetensors.Entry> ordered = new LinkedHashMap<>();
            found.entrySet().stream().sorted((a, b) -> Long.compare(a.getValue().begin(), b.getValue().begin()))
                    .forEach(en -> ordered.put(en.getKey(), en.getValue()));
            return new Opened(dir, cfg, layout, new SafetensorsSource(dir, layout, r, ordered, tiedHead));
        } catch (RuntimeException e) {
            r.close();
            throw e;
        }
    }

    /** The config settings that decide which tensors exist, for error messages. */
    static String describe(Config c) {
        return "vocab_size=" + c.vocab() + " n_positions=" + c.block() + " n_embd=" + c.embd() + " n_layer=" + c.layers()
                + " n_inner=" + c.ffn() + " jgpt_norm=" + lower(c.norm()) + " jgpt_positions=" + lower(c.positions())
                + " jgpt_bias=" + c.bias() + " jgpt_norm_type=" + lower(c.normType()) + " tie_word_embeddings=" + c.tied();
    }

    private static void requireDir(Path dir) {
        if (!Files.isDirectory(dir))
            throw new UserError(dir + ": model not found (give a model directory or an llm.c checkpoint file)");
    }

    // =====================================================================================================
    // writing
    // =====================================================================================================

    /**
     * Writes dir/model.safetensors (F32, GPT-2's tensor names without the "transformer." prefix, lm_head
     * only when untied) and then dir/config.json, each crash-safely. params: ParamLayout order, F32 or F64.
     */
    public static void write(Path dir, Config cfg, Tensor params) {
        ParamLayout layout = new ParamLayout(cfg);
        if (params.size != layout.total)
            throw new IllegalArgumentException("params has " + params.size + " elements, layout needs " + layout.total);
        try {
            Files.createDirectories(dir);
        } catch (IOException e) {
            throw new UserError(dir + ": cannot create directory (" + e.getMessage() + ")");
        }
        List<Safetensors.Item> items = new ArrayList<>();
        for (HfTensor h : hfTensors(layout)) {
            items.add(new Safetensors.Item(h.key, h.shape, sink -> {
                if (h.direct()) {
                    ParamLayout.Spec s = h.parts.getFirst().spec;
                    sink.put(params, Math.toIntExact(s.offset()), Math.toIntExact(s.size()));
                    return;
                }
                long rows = h.rows();                          // fused: row r = wq[r] | wk[r] | wv[r]
                for (int row = 0; row < rows; row++)
                    for (Part p : h.parts) {
                        int w = (int) (p.spec.size() / rows);
                        sink.put(params, Math.toIntExact(p.spec.offset() + (long) row * w), w);
                    }
            }));
        }
        Safetensors.write(dir.resolve(WEIGHTS), items, Map.of("format", "pt"));
        writeConfig(dir, cfg);
    }
}
