package jgpt.train;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.InputStream;
import java.util.stream.Stream;
import jgpt.model.Config;
import jgpt.model.GPT;
import jgpt.model.ParamLayout;
import jgpt.tensor.DType;
import jgpt.tensor.FastKernels;
import jgpt.tensor.Kernels;
import jgpt.tensor.NaiveKernels;
import org.junit.jupiter.api.Named;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * Muon + AdamW steps on a small model against PyTorch float64 (tools/torch_muon_reference.py, fixture
 * src/test/resources/fixtures/torch_muon.json): the published algorithm in torch's (out, in) orientation,
 * four steps with a changing learning-rate factor. F64 agrees to roundoff; F32 to float32's precision.
 */
class MuonReferenceTest {

    static Stream<Arguments> cases() {
        return Stream.of(Arguments.of(DType.F64, Named.of("naive", new NaiveKernels())),
                Arguments.of(DType.F64, Named.of("fast", new FastKernels())),
                Arguments.of(DType.F32, Named.of("naive", new NaiveKernels())),
                Arguments.of(DType.F32, Named.of("fast", new FastKernels())));
    }

    @ParameterizedTest(name = "{0} {1}")
    @MethodSource("cases")
    void muonStepsMatchPyTorch(DType dtype, Kernels k) throws Exception {
        JsonNode j;
        try (InputStream in = MuonReferenceTest.class.getResourceAsStream("/fixtures/torch_muon.json")) {
            assertNotNull(in, "missing fixture (regenerate: /usr/bin/python3 tools/torch_muon_reference.py)");
            j = new ObjectMapper().readTree(in);
        }
        JsonNode c = j.get("config"), mu = j.get("muon");
        Config cfg = new Config(c.get("vocab").asInt(), c.get("block").asInt(), c.get("layers").asInt(),
                c.get("heads").asInt(), c.get("embd").asInt(), c.get("ffn").asInt(),
                Config.Norm.valueOf(c.get("norm").asText()), Config.Activation.valueOf(c.get("activation").asText()),
                Config.Positions.valueOf(c.get("positions").asText()), c.get("tied").asBoolean(),
                c.get("bias").asBoolean(), c.get("ropeTheta").asDouble(), c.get("lnEps").asDouble());
        GPT m = new GPT(cfg, dtype, k);
        double[] p0 = doubles(j.get("params")), want = doubles(mu.get("params")), losses = doubles(mu.get("losses"));
        assertEquals(p0.length, m.layout.total, "parameter count");
        for (int i = 0; i < p0.length; i++) m.params.set(i, p0[i]);
        int bt = j.get("B").asInt() * j.get("T").asInt();
        int[] tokens = new int[bt], targets = new int[bt];
        for (int i = 0; i < bt; i++) { tokens[i] = j.get("tokens").get(i).asInt(); targets[i] = j.get("targets").get(i).asInt(); }
        for (JsonNode r : j.get("layout")) {
            ParamLayout.Spec s = m.layout.get(r.get("name").asText());
            assertEquals(r.get("offset").asLong(), s.offset(), s.name());
        }

        double lr = mu.get("lr").asDouble();
        Muon opt = new Muon(m, lr, mu.get("muonLr").asDouble(), mu.get("momentum").asDouble(), true,
                mu.get("beta1").asDouble(), mu.get("beta2").asDouble(), mu.get("eps").asDouble(), mu.get("weightDecay").asDouble());
        boolean f64 = dtype == DType.F64;
        JsonNode factors = mu.get("lrFactors");
        for (int step = 0; step < factors.size(); step++) {
            m.zeroGrad();
            double loss = m.forward(tokens, targets, j.get("B").asInt(), j.get("T").asInt());
            assertEquals(losses[step], loss, f64 ? 1e-12 : 1e-4, "loss before update " + (step + 1));
            m.backward();
            opt.step(lr * factors.get(step).asDouble());
        }
        assertEquals(factors.size(), opt.steps());
        double[] p = m.params.toDoubles();
        StringBuilder bad = new StringBuilder();
        double tol = f64 ? 1e-10 : 1e-4;
        for (ParamLayout.Spec s : m.layout.specs()) {
            int off = (int) s.offset(), n = (int) s.size();
            double d = 0, r = 0, moved = 0;
            for (int i = off; i < off + n; i++) {
                d += (p[i] - want[i]) * (p[i] - want[i]);
                r += want[i] * want[i];
                moved += (want[i] - p0[i]) * (want[i] - p0[i]);
            }
            // the relative error of the parameters, and of the distance they moved (what the optimizer did)
            double err = Math.sqrt(d / r), errMove = Math.sqrt(d / moved);
            assertTrue(moved > 0, s.name() + " did not move in the reference");
            if (!(err <= tol && errMove <= (f64 ? 1e-9 : 1e-2)))
                bad.append(String.format("%n  %-14s rel err %.3e, of the step %.3e", s.name(), err, errMove));
        }
        assertTrue(bad.isEmpty(), dtype + " params after " + factors.size() + " Muon steps off:" + bad);
    }

    private static double[] doubles(JsonNode a) {
        double[] out = new double[a.size()];
        for (int i = 0; i < out.length; i++) out[i] = a.get(i).doubleValue();
        return out;
    }
}
