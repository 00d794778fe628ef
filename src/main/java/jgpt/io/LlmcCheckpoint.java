package jgpt.io;

import jgpt.UserError;
import jgpt.model.Config;
import jgpt.model.ParamLayout;
import jgpt.tensor.Tensor;
import jgpt.tokenizer.Tokenizers;

import java.io.IOException;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.List;
import java.util.function.Function;

/**
 * llm.c's model checkpoint (train_gpt2.py {@code write_model}, train_gpt2.c {@code gpt2_build_from_checkpoint}):
 * 256 little-endian int32 — [0] magic 20240326, [1] version (3: fp32, 5: bf16), [2] maxT, [3] V, [4] L, [5] NH,
 * [6] C, [7] Vp (V padded to a multiple of 128), the rest 0 — then 16 tensors back to back and nothing after them:
 * wte (Vp, C), wpe (maxT, C), ln1w (L, C), ln1b (L, C), qkvw (L, 3C, C), qkvb (L, 3C), attprojw (L, C, C),
 * attprojb (L, C), ln2w (L, C), ln2b (L, C), fcw (L, 4C, C), fcb (L, 4C), fcprojw (L, C, 4C), fcprojb (L, C),
 * lnfw (C), lnfb (C). Linear weights are PyTorch's (out, in), the transpose of ours, so qkvw[l] is wqᵀ, wkᵀ, wvᵀ
 * stacked; wte rows V..Vp−1 are zeros (llm.c never reads them: its softmax stops at V, so they are dropped here).
 * <p>
 * That is GPT-2 exactly: pre-LN, GELU, learned positions, tied output, biases, FFN 4C, LayerNorm eps 1e-5.
 * Reading checks the header against the file's size before anything is allocated from it.
 */
public final class LlmcCheckpoint {
    private LlmcCheckpoint() {}

    public static final int MAGIC = 20240326;
    static final int HEADER_BYTES = 256 * 4;
    /** A sanity bound: a sparse file could otherwise claim millions of (tiny) layers and agree with its size. */
    static final int MAX_LAYERS = 1 << 16;

    /** How the tensors are stored: version 3 is fp32, version 5 bf16 (llm.c keeps even the LayerNorms in bf16). */
    public enum Precision {
        F32(3, 4), BF16(5, 2);
        public final int version, bytes;
        Precision(int version, int bytes) { this.version = version; this.bytes = bytes; }
    }

    /** The header's numbers, named as in llm.c. */
    public record Header(Precision precision, int maxT, int V, int L, int NH, int C, int Vp) {
        /** Values after the header: Vp·C + maxT·C + L·(12C² + 13C) + 2C; throws ArithmeticException past a long. */
        long elements() {
            long c = C, perLayer = Math.addExact(Math.multiplyExact(12, Math.multiplyExact(c, c)), 13 * c);
            return Math.addExact(Math.addExact(Math.multiplyExact(Vp, c), Math.multiplyExact(maxT, c)),
                    Math.addExact(Math.multiplyExact(L, perLayer), 2 * c));
        }

        public Config config() { return Config.gpt2(V, maxT, L, NH, C); }

        String sizes() { return "maxT=" + maxT + " V=" + V + " L=" + L + " NH=" + NH + " C=" + C + " Vp=" + Vp; }
    }

    // =====================================================================================================
    // the tensors in file order
    // =====================================================================================================

    /** One run of values in the file: a parameter of ours (transposed for llm.c's (out, in) weights), or `zeros` padding values. */
    record Segment(String tensor, ParamLayout.Spec spec, boolean transposed, long zeros) {
        long size() { return spec == null ? zeros : spec.size(); }
    }

    static List<Segment> segments(ParamLayout p, int Vp) {
        Config c = p.cfg;
        List<Segment> out = new ArrayList<>();
        out.add(new Segment("wte", p.wEmbed, false, 0));
        if (Vp > c.vocab()) out.add(new Segment("wte", null, false, (long) (Vp - c.vocab()) * c.embd()));
        out.add(new Segment("wpe", p.wPos, false, 0));
        perLayer(out, p, "ln1w", false, ParamLayout.Layer::ln1g);
        perLayer(out, p, "ln1b", false, ParamLayout.Layer::ln1b);
        perLayer(out, p, "qkvw", true, ParamLayout.Layer::wq, ParamLayout.Layer::wk, ParamLayout.Layer::wv);
        perLayer(out, p, "qkvb", false, ParamLayout.Layer::bq, ParamLayout.Layer::bk, ParamLayout.Layer::bv);
        perLayer(out, p, "attprojw", true, ParamLayout.Layer::wo);
        perLayer(out, p, "attprojb", false, ParamLayout.Layer::bo);
        perLayer(out, p, "ln2w", false, ParamLayout.Layer::ln2g);
        perLayer(out, p, "ln2b", false, ParamLayout.Layer::ln2b);
        perLayer(out, p, "fcw", true, ParamLayout.Layer::w1);
        perLayer(out, p, "fcb", false, ParamLayout.Layer::b1);
        perLayer(out, p, "fcprojw", true, ParamLayout.Layer::w2);
        perLayer(out, p, "fcprojb", false, ParamLayout.Layer::b2);
        out.add(new Segment("lnfw", p.lnfG, false, 0));
        out.add(new Segment("lnfb", p.lnfB, false, 0));
        return out;
    }

    @SafeVarargs
    private static void perLayer(List<Segment> out, ParamLayout p, String tensor, boolean transposed, Function<ParamLayout.Layer, ParamLayout.Spec>... parts) {
        for (ParamLayout.Layer y : p.layers)
            for (Function<ParamLayout.Layer, ParamLayout.Spec> part : parts) out.add(new Segment(tensor, part.apply(y), transposed, 0));
    }

    // =====================================================================================================
    // what llm.c can hold
    // =====================================================================================================

    /**
     * Why llm.c cannot hold a model: {@code setting} is the switch that made it so, as the train flags spell it
     * (without dashes, with its value, e.g. "norm post"), {@code reason} says it in config.json's terms.
     */
    public record Unsupported(String setting, String reason) {}

    /** A model llm.c cannot represent; {@link #why()} names the switch. */
    public static final class CannotRepresent extends UserError {
        private final Unsupported why;
        CannotRepresent(String what, Unsupported why) {
            super("llm.c cannot represent " + what + ": " + why.reason());
            this.why = why;
        }
        public Unsupported why() { return why; }
    }

    /** Why llm.c cannot represent a model of this config; null when it can. */
    public static Unsupported unsupported(Config c) {
        if (c.norm() != Config.Norm.PRE) return new Unsupported("norm post", "it is post-LN (jgpt_norm) and llm.c's GPT-2 is pre-LN");
        if (c.positions() != Config.Positions.LEARNED) {
            String p = c.positions().name().toLowerCase();
            return new Unsupported("positions " + p, "its positions are " + p + " (jgpt_positions) and llm.c learns a position table");
        }
        if (c.activation() != Config.Activation.GELU) {
            String a = c.activation().name().toLowerCase();
            return new Unsupported("activation " + a, "it uses " + a + " (activation_function) and llm.c GELU");
        }
        if (c.normType() != Config.NormType.LAYER) return new Unsupported("norm-type rms", "it uses RMSNorm (jgpt_norm_type) and llm.c LayerNorm");
        if (c.qkNorm()) return new Unsupported("qk-norm", "it normalises q and k (jgpt_qk_norm) and llm.c does not");
        if (c.softcap() > 0) return new Unsupported("logit-softcap", "it soft-caps its logits (jgpt_logit_softcap) and llm.c does not");
        if (!c.tied()) return new Unsupported("untied", "its output matrix is separate (tie_word_embeddings=false) and llm.c ties it to the token embedding");
        if (!c.bias()) return new Unsupported("no-bias", "it has no biases (jgpt_bias=false) and llm.c has them in every linear layer and LayerNorm");
        if (c.ffn() != 4 * c.embd()) return new Unsupported("ffn", "its FFN is " + c.ffn() + " wide (n_inner) and llm.c's is 4 × " + c.embd());
        if (c.lnEps() != 1e-5) return new Unsupported(null, "its LayerNorm eps is " + c.lnEps() + " (layer_norm_epsilon) and llm.c's is 1e-5");
        return null;
    }

    /** Throws {@link CannotRepresent} when llm.c cannot represent cfg; {@code what} names the model for the message. */
    public static void requireSupported(Config cfg, String what) {
        Unsupported why = unsupported(cfg);
        if (why != null) throw new CannotRepresent(what, why);
    }

    // =====================================================================================================
    // reading
    // =====================================================================================================

    /** The checked header of {@code file}. */
    public static Header header(Path file) {
        try (FileChannel ch = openChannel(file)) {
            return readHeader(file, ch);
        } catch (IOException e) {
            throw new UserError(file + ": cannot read (" + e.getMessage() + ")");
        }
    }

    /** The model's config from the checked header, without reading the weights. */
    public static Config readConfig(Path file) { return header(file).config(); }

    /** Opens and checks {@code file}; the weights are read by {@link ModelStore.Opened#readInto}. */
    static ModelStore.Opened open(Path file) {
        FileChannel ch = openChannel(file);
        try {
            Header h = readHeader(file, ch);
            Config cfg = h.config();
            ParamLayout layout = new ParamLayout(cfg);
            return new ModelStore.Opened(file, cfg, layout, new Source(file, ch, h, layout));
        } catch (IOException | RuntimeException e) {
            try { ch.close(); } catch (IOException ignored) { /* read-only */ }
            if (e instanceof RuntimeException r) throw r;
            throw new UserError(file + ": cannot read (" + e.getMessage() + ")");
        }
    }

    private static FileChannel openChannel(Path file) {
        try {
            return FileChannel.open(file, StandardOpenOption.READ);
        } catch (NoSuchFileException e) {
            throw new UserError(file + ": file not found");
        } catch (IOException e) {
            throw new UserError(file + ": cannot open (" + e.getMessage() + ")");
        }
    }

    /** Reads the header and checks every field against llm.c's rules and the file's size; allocates nothing sized by it. */
    static Header readHeader(Path file, FileChannel ch) throws IOException {
        long size = ch.size();
        ByteBuffer b = ByteBuffer.allocate(HEADER_BYTES).order(ByteOrder.LITTLE_ENDIAN);
        while (b.hasRemaining() && ch.read(b, b.position()) > 0) { /* up to 1024 bytes */ }
        int magic = b.position() >= 4 ? b.getInt(0) : 0;
        if (b.position() < 4 || magic != MAGIC)
            throw bad(file, "not an llm.c model checkpoint: header[0] (magic) is " + (b.position() < 4 ? "missing" : magic)
                    + ", expected " + MAGIC + otherFormat(magic));
        if (size < HEADER_BYTES)
            throw bad(file, "truncated: " + size + " bytes, shorter than llm.c's header of 256 int32 (1024 bytes)");
        int version = b.getInt(4);
        Precision prec = version == 3 ? Precision.F32 : version == 5 ? Precision.BF16 : null;
        if (prec == null)
            throw bad(file, "header[1] (version) is " + version + "; jgpt reads llm.c checkpoints of version 3 (fp32) and 5 (bf16)");
        String[] names = {"maxT", "V", "L", "NH", "C", "Vp"};
        int[] v = new int[names.length];
        for (int i = 0; i < v.length; i++) {
            v[i] = b.getInt(8 + 4 * i);
            if (v[i] <= 0) throw bad(file, "header[" + (i + 2) + "] (" + names[i] + ") is " + v[i] + ", must be positive");
        }
        Header h = new Header(prec, v[0], v[1], v[2], v[3], v[4], v[5]);
        if (h.Vp < h.V) throw bad(file, "header[7] (Vp, the padded vocabulary) is " + h.Vp + ", smaller than header[3] (V) " + h.V);
        if (h.C % h.NH != 0) throw bad(file, "header[6] (C) " + h.C + " is not divisible by header[5] (NH) " + h.NH);
        if (h.L > MAX_LAYERS) throw bad(file, "header[4] (L) is " + h.L + ", more layers than any real model (jgpt reads at most " + MAX_LAYERS + ")");
        long need;
        try {
            need = Math.addExact(HEADER_BYTES, Math.multiplyExact(h.elements(), prec.bytes));
        } catch (ArithmeticException e) {
            throw bad(file, "header sizes (" + h.sizes() + ") describe more than 2^63 bytes: not a real checkpoint");
        }
        if (size < need)
            throw bad(file, "truncated: the header's sizes (" + h.sizes() + ", " + prec + ") need " + need + " bytes, the file has " + size);
        if (size > need)
            throw bad(file, (size - need) + " bytes after the last tensor: the header's sizes (" + h.sizes() + ", " + prec + ") need "
                    + need + " bytes, the file has " + size);
        // the sizes now agree with the file; what is left is what jgpt itself can hold
        long ours = h.elements() - (long) (h.Vp - h.V) * h.C;        // jgpt drops the padding rows
        if (ours > Integer.MAX_VALUE - 8)
            throw bad(file, "the header's sizes (" + h.sizes() + ") need more parameters than one Java array holds (2^31)");
        return h;
    }

    private static String otherFormat(int magic) {
        return switch (magic) {
            case 20240328 -> " (this is llm.c's tokenizer file)";
            case 20240520 -> " (this is an llm.c token file: training data, not a model)";
            case 20240327 -> " (this is llm.c's debug state file)";
            default -> " (a model is a model directory or an llm.c checkpoint file)";
        };
    }

    private static UserError bad(Path file, String msg) { return new UserError(file + ": " + msg); }

    private static final ValueLayout.OfFloat F32_LE = ValueLayout.JAVA_FLOAT_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN);
    private static final ValueLayout.OfShort I16_LE = ValueLayout.JAVA_SHORT_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN);

    /** Fills a model's buffer from the checked file, one mapped segment at a time. */
    private record Source(Path file, FileChannel ch, Header h, ParamLayout layout) implements ModelStore.Source {
        @Override public void readInto(Tensor params) {
            long pos = HEADER_BYTES;
            int per = h.precision.bytes;
            for (Segment s : segments(layout, h.Vp)) {
                long bytes = s.size() * per;
                if (s.spec != null) {
                    try (Arena arena = Arena.ofConfined()) {
                        MemorySegment seg = ch.map(FileChannel.MapMode.READ_ONLY, pos, bytes, arena);
                        read(seg, s, params);
                    } catch (IOException e) {
                        throw new UserError(file + ": cannot read (" + e.getMessage() + ")");
                    }
                }
                pos += bytes;
            }
        }

        private void read(MemorySegment seg, Segment s, Tensor params) {
            int at = Math.toIntExact(s.spec.offset());
            int n = Math.toIntExact(s.spec.size());
            if (h.precision == Precision.F32 && !s.transposed && params.f != null) {
                MemorySegment.copy(seg, F32_LE, 0, params.f, params.off + at, n);
                return;
            }
            // file element k is (row k / cols, col k % cols) of the stored matrix; ours is its transpose when transposed
            int cols = s.transposed ? s.spec.shape()[0] : n, rows = n / cols;
            for (int k = 0; k < n; k++) {
                int dst = s.transposed ? (k % cols) * rows + k / cols : k;
                params.set(at + dst, value(seg, k));
            }
        }

        private float value(MemorySegment seg, long k) {
            return h.precision == Precision.F32 ? seg.get(F32_LE, 4 * k) : bf16ToFloat(seg.get(I16_LE, 2 * k));
        }

        @Override public void close() {
            try { ch.close(); } catch (IOException ignored) { /* read-only: nothing to lose */ }
        }
    }

    // =====================================================================================================
    // bf16
    // =====================================================================================================

    /** The bf16 bits nearest to f, ties to even (PyTorch's rounding); NaN stays a quiet NaN of the same sign. */
    public static short floatToBf16(float f) {
        int bits = Float.floatToRawIntBits(f);
        if (Float.isNaN(f)) return (short) ((bits >>> 16) | 0x0040);
        return (short) ((bits + 0x7FFF + ((bits >>> 16) & 1)) >>> 16);
    }

    public static float bf16ToFloat(short b) { return Float.intBitsToFloat((b & 0xFFFF) << 16); }

    // =====================================================================================================
    // writing
    // =====================================================================================================

    /**
     * Writes params (ParamLayout order, F32 or F64) of a model llm.c can represent as one checkpoint, crash-safely:
     * wte padded to a multiple of 128 rows, every weight transposed to (out, in), values rounded to prec.
     */
    public static void write(Path file, Config cfg, Tensor params, Precision prec) {
        requireSupported(cfg, "this model");
        ParamLayout layout = new ParamLayout(cfg);
        if (params.size != layout.total)
            throw new IllegalArgumentException("params has " + params.size + " elements, layout needs " + layout.total);
        int Vp = Tokenizers.paddedVocab(cfg.vocab());
        ByteBuffer head = ByteBuffer.allocate(HEADER_BYTES).order(ByteOrder.LITTLE_ENDIAN);
        int[] fields = {MAGIC, prec.version, cfg.block(), cfg.vocab(), cfg.layers(), cfg.heads(), cfg.embd(), Vp};
        for (int i = 0; i < fields.length; i++) head.putInt(4 * i, fields[i]);
        try {
            if (file.toAbsolutePath().getParent() != null) Files.createDirectories(file.toAbsolutePath().getParent());
            AtomicFiles.write(file, ch -> {
                write(ch, head);
                ByteBuffer buf = ByteBuffer.allocateDirect(1 << 20).order(ByteOrder.LITTLE_ENDIAN);
                for (Segment s : segments(layout, Vp)) {
                    int n = (int) s.size();
                    int base = s.spec == null ? 0 : Math.toIntExact(s.spec.offset());
                    int cols = s.spec != null && s.transposed ? s.spec.shape()[1] : 1, rows = n / cols;
                    for (int k = 0; k < n; k++) {
                        if (buf.remaining() < 4) { buf.flip(); write(ch, buf); buf.clear(); }
                        // output element k is (k / rows, k % rows) of the transposed (out, in) matrix = ours at (k % rows, k / rows)
                        float v = s.spec == null ? 0f : (float) params.get(base + (s.transposed ? (k % rows) * cols + k / rows : k));
                        if (prec == Precision.F32) buf.putFloat(v); else buf.putShort(floatToBf16(v));
                    }
                }
                buf.flip();
                write(ch, buf);
            });
        } catch (IOException e) {
            throw new UserError(file + ": cannot write (" + e.getMessage() + ")");
        }
    }

    private static void write(FileChannel ch, ByteBuffer b) throws IOException {
        while (b.hasRemaining()) ch.write(b);
    }
}
