package jgpt.model;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.stream.Stream;
import jgpt.tensor.DType;
import jgpt.tensor.Kernels;
import jgpt.tensor.NaiveKernels;
import jgpt.train.AdamW;
import org.junit.jupiter.api.Named;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * The engine against an independent PyTorch float64 implementation of the same architecture
 * (tools/torch_reference.py, fixtures in src/test/resources/fixtures/torch_*.json): logits, loss,
 * every gradient tensor, and a 10-step AdamW run, for the gpt2 (pre-LN, GELU, learned positions, tied),
 * textbook (post-LN, ReLU, sinusoidal, no final LN) and rope (RoPE, no biases) variants, and the modern
 * switches: modern (pre-LN, RMSNorm, QK-norm, ReLU², RoPE, untied, no biases, logit soft-cap) and
 * modern_post (post-LN, RMSNorm, QK-norm, ReLU², learned positions, tied, biases, soft-cap).
 * Tolerances: F32 as the issue asks (torch's own float32 lands within ~1e-6 of float64 on these
 * fixtures, see the script's output); F64 must agree to roundoff.
 */
class TorchReferenceTest {

    static final String[] VARIANTS = {"gpt2", "textbook", "rope", "modern", "modern_post"};

    /** Absolute for logits, loss and step losses; relative (per tensor) for gradients and final params. */
    record Tol(double logits, double loss, double grad, double stepLoss, double params) {}
    static final Tol F32 = new Tol(1e-4, 1e-5, 1e-4, 1e-4, 1e-4);
    static final Tol F64 = new Tol(1e-9, 1e-10, 1e-9, 1e-9, 1e-9);

    // ---- the fixture -------------------------------------------------------------------------------

    record Row(String name, long offset, int[] shape) {}
    record Adam(double lr, double beta1, double beta2, double eps, double weightDecay, int steps,
                double[] losses, double[] params) {}
    record Fixture(String variant, Config cfg, int B, int T, int[] tokens, int[] targets, List<Row> layout,
                   Set<String> zeroGradient, double[] params, double[] logits, double loss, double[] grads, Adam adam) {}

    private static final ConcurrentHashMap<String, Fixture> CACHE = new ConcurrentHashMap<>();

    static Fixture fixture(String variant) { return CACHE.computeIfAbsent(variant, TorchReferenceTest::load); }

    private static Fixture load(String variant) {
        String res = "/fixtures/torch_" + variant + ".json";
        try (InputStream in = TorchReferenceTest.class.getResourceAsStream(res)) {
            assertNotNull(in, "missing test resource " + res + " (regenerate: /usr/bin/python3 tools/torch_reference.py)");
            JsonNode j = new ObjectMapper().readTree(in);
            JsonNode c = j.get("config");
            Config cfg = new Config(c.get("vocab").asInt(), c.get("block").asInt(), c.get("layers").asInt(),
                    c.get("heads").asInt(), c.get("embd").asInt(), c.get("ffn").asInt(),
                    Config.Norm.valueOf(c.get("norm").asText()), Config.Activation.valueOf(c.get("activation").asText()),
                    Config.Positions.valueOf(c.get("positions").asText()), c.get("tied").asBoolean(),
                    c.get("bias").asBoolean(), c.get("ropeTheta").asDouble(), c.get("lnEps").asDouble(),
                    // the modern switches: written only by variants that set them
                    Config.NormType.valueOf(c.path("normType").asText("LAYER")), c.path("qkNorm").asBoolean(false),
                    c.path("softcap").asDouble(0));
            List<Row> layout = new ArrayList<>();
            for (JsonNode r : j.get("layout")) layout.add(new Row(r.get("name").asText(), r.get("offset").asLong(), ints(r.get("shape"))));
            Set<String> zero = new HashSet<>();
            for (JsonNode n : j.get("zeroGradient")) zero.add(n.asText());
            JsonNode a = j.get("adamw");
            Adam adam = new Adam(a.get("lr").asDouble(), a.get("beta1").asDouble(), a.get("beta2").asDouble(),
                    a.get("eps").asDouble(), a.get("weightDecay").asDouble(), a.get("steps").asInt(),
                    doubles(a.get("losses")), doubles(a.get("params")));
            return new Fixture(variant, cfg, j.get("B").asInt(), j.get("T").asInt(), ints(j.get("tokens")),
                    ints(j.get("targets")), layout, zero, doubles(j.get("params")), doubles(j.get("logits")),
                    j.get("loss").asDouble(), doubles(j.get("grads")), adam);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private static int[] ints(JsonNode a) {
        int[] out = new int[a.size()];
        for (int i = 0; i < out.length; i++) out[i] = a.get(i).asInt();
        return out;
    }

    private static double[] doubles(JsonNode a) {
        double[] out = new double[a.size()];
        for (int i = 0; i < out.length; i++) out[i] = a.get(i).doubleValue();   // Jackson parses repr exactly
        return out;
    }

    // ---- cases: every variant × (F64 naive, F32 naive, F32 fast when it exists) ---------------------

    static Stream<String> variants() { return Stream.of(VARIANTS); }

    static Stream<Arguments> cases() {
        List<Arguments> out = new ArrayList<>();
        Kernels fast = fastKernels();
        for (String v : VARIANTS) {
            out.add(Arguments.of(v, DType.F64, Named.of("naive", new NaiveKernels())));
            out.add(Arguments.of(v, DType.F32, Named.of("naive", new NaiveKernels())));
            if (fast != null) out.add(Arguments.of(v, DType.F32, Named.of("fast", fast)));
            if (jgpt.tensor.OpenBlas.available())    // every product on OpenBLAS, however small
                out.add(Arguments.of(v, DType.F32, Named.of("blas", new jgpt.tensor.BlasKernels(0))));
        }
        return out.stream();
    }

    /** jgpt.tensor.FastKernels when it is on the classpath (it lands separately), else null. */
    private static Kernels fastKernels() {
        try {
            return (Kernels) Class.forName("jgpt.tensor.FastKernels").getDeclaredConstructor().newInstance();
        } catch (ClassNotFoundException e) {
            return null;
        } catch (ReflectiveOperationException e) {
            throw new IllegalStateException("FastKernels exists but cannot be built", e);
        }
    }

    private static GPT model(Fixture f, DType dtype, Kernels k) {
        GPT m = new GPT(f.cfg(), dtype, k);
        assertEquals(f.params().length, m.layout.total, "parameter count");
        for (int i = 0; i < f.params().length; i++) m.params.set(i, f.params()[i]);
        return m;
    }

    private static Tol tol(DType dtype) { return dtype == DType.F64 ? F64 : F32; }

    // ---- tests -------------------------------------------------------------------------------------

    /** The script's transcription of the layout is Java's ParamLayout, name by name, offset by offset. */
    @ParameterizedTest(name = "{0}")
    @MethodSource("variants")
    void layoutMatchesParamLayout(String variant) {
        Fixture f = fixture(variant);
        ParamLayout pl = new ParamLayout(f.cfg());
        List<ParamLayout.Spec> specs = pl.specs();
        assertEquals(f.layout().size(), specs.size(), "number of tensors");
        for (int i = 0; i < specs.size(); i++) {
            ParamLayout.Spec s = specs.get(i);
            Row r = f.layout().get(i);
            assertEquals(r.name(), s.name());
            assertEquals(r.offset(), s.offset(), s.name() + " offset");
            assertArrayEquals(r.shape(), s.shape(), s.name() + " shape");
        }
        assertEquals(f.params().length, pl.total);
        assertEquals(f.grads().length, pl.total);
        assertEquals(f.adam().params().length, pl.total);
        assertEquals(f.B() * f.T() * f.cfg().vocab(), f.logits().length);
    }

    @ParameterizedTest(name = "{0} {1} {2}")
    @MethodSource("cases")
    void forwardAndGradientsMatchPyTorch(String variant, DType dtype, Kernels k) {
        Fixture f = fixture(variant);
        Tol tol = tol(dtype);
        GPT m = model(f, dtype, k);
        m.zeroGrad();
        double loss = m.forward(f.tokens(), f.targets(), f.B(), f.T());
        m.backward();

        double[] logits = m.logits().toDoubles();
        assertEquals(f.logits().length, logits.length, "logits size");
        double worst = 0;
        int at = -1;
        for (int i = 0; i < logits.length; i++) {
            double e = Math.abs(logits[i] - f.logits()[i]);
            if (e > worst) { worst = e; at = i; }
        }
        assertTrue(worst <= tol.logits(), variant + " " + dtype + " logits: max |Δ| " + worst + " at " + at + " (b,t,v)=" + btv(f, at));
        assertEquals(f.loss(), loss, tol.loss(), variant + " " + dtype + " loss");

        double[] g = m.grads().toDoubles();
        double all = norm(f.grads(), 0, f.grads().length);
        StringBuilder bad = new StringBuilder();
        for (ParamLayout.Spec s : m.layout.specs()) {
            int off = (int) s.offset(), n = (int) s.size();
            double ref = norm(f.grads(), off, n), diff = normDiff(g, f.grads(), off, n);
            // bk's gradient is zero in exact arithmetic (softmax ignores a per-row shift): check it is ~0
            double err = f.zeroGradient().contains(s.name()) ? diff / all : diff / ref;
            if (!(err <= tol.grad())) bad.append(String.format("%n  %-14s rel err %.3e  (|g_ref| %.3e, |g| %.3e)", s.name(), err, ref, norm(g, off, n)));
        }
        assertTrue(bad.isEmpty(), variant + " " + dtype + " gradients off:" + bad);
    }

    @ParameterizedTest(name = "{0} {1} {2}")
    @MethodSource("cases")
    void adamwStepsMatchPyTorch(String variant, DType dtype, Kernels k) {
        Fixture f = fixture(variant);
        Tol tol = tol(dtype);
        Adam a = f.adam();
        GPT m = model(f, dtype, k);
        AdamW opt = new AdamW(m, a.beta1(), a.beta2(), a.eps(), a.weightDecay(), true);   // decoupled = torch.optim.AdamW
        boolean gradsZero = false;      // as the trainer runs it: AdamW's pass zeroes the gradients for the next step
        for (int step = 0; step < a.steps(); step++) {
            if (!gradsZero) m.zeroGrad();
            double loss = m.forward(f.tokens(), f.targets(), f.B(), f.T());
            assertEquals(a.losses()[step], loss, tol.stepLoss(), variant + " " + dtype + " loss before update " + (step + 1));
            m.backward();
            gradsZero = opt.stepAndZeroGrads(a.lr(), 1);
        }
        double[] p = m.params.toDoubles();
        StringBuilder bad = new StringBuilder();
        for (ParamLayout.Spec s : m.layout.specs()) {
            int off = (int) s.offset(), n = (int) s.size();
            if (f.zeroGradient().contains(s.name())) {
                // Adam turns a roundoff-only gradient into steps of arbitrary sign, at most ~lr each
                for (int i = off; i < off + n; i++)
                    if (!(Math.abs(p[i] - a.params()[i]) <= a.lr() * a.steps())) bad.append("\n  " + s.name() + "[" + (i - off) + "] moved too far");
                continue;
            }
            double err = normDiff(p, a.params(), off, n) / norm(a.params(), off, n);
            if (!(err <= tol.params())) bad.append(String.format("%n  %-14s rel err %.3e", s.name(), err));
        }
        assertTrue(bad.isEmpty(), variant + " " + dtype + " params after " + a.steps() + " AdamW steps off:" + bad);
    }

    private static String btv(Fixture f, int i) {
        if (i < 0) return "-";
        int V = f.cfg().vocab();
        return "(" + i / (f.T() * V) + "," + i / V % f.T() + "," + i % V + ")";
    }

    private static double norm(double[] a, int off, int n) {
        double s = 0;
        for (int i = off; i < off + n; i++) s += a[i] * a[i];
        return Math.sqrt(s);
    }

    private static double normDiff(double[] a, double[] b, int off, int n) {
        double s = 0;
        for (int i = off; i < off + n; i++) s += (a[i] - b[i]) * (a[i] - b[i]);
        return Math.sqrt(s);
    }
}
