package jgpt.cli;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import jgpt.inspect.ExplainerTest;
import jgpt.io.ModelStore;
import jgpt.model.Config;
import jgpt.model.GPT;
import jgpt.tensor.DType;
import jgpt.tensor.FastKernels;
import jgpt.tensor.NaiveKernels;
import jgpt.tokenizer.CharTokenizer;
import jgpt.tokenizer.Tokenizers;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;

import static org.junit.jupiter.api.Assertions.*;

/** explain / probe / params end to end on a small saved model with GPT-2's vocabulary; user mistakes exit 2. */
class InspectCommandsTest {

    static String[] run(int expectedRc, String... args) {
        PrintStream out = System.out, err = System.err;
        ByteArrayOutputStream o = new ByteArrayOutputStream(), e = new ByteArrayOutputStream();
        System.setOut(new PrintStream(o, true, StandardCharsets.UTF_8));
        System.setErr(new PrintStream(e, true, StandardCharsets.UTF_8));
        try {
            assertEquals(expectedRc, Main.run(args), e.toString(StandardCharsets.UTF_8) + o.toString(StandardCharsets.UTF_8));
        } finally {
            System.setOut(out);
            System.setErr(err);
        }
        return new String[]{o.toString(StandardCharsets.UTF_8), e.toString(StandardCharsets.UTF_8)};
    }

    static JsonNode lastJson(String stdout) throws Exception {
        String[] lines = stdout.strip().split("\n");
        return new ObjectMapper().readTree(lines[lines.length - 1]);
    }

    /** GPT-2's 50257-token vocabulary with a narrow, shallow body: small enough for a unit test. */
    static Path smallModel(Path dir) {
        GPT m = new GPT(Config.gpt2(50257, 16, 2, 2, 8), DType.F32, new NaiveKernels()).initGpt2(7);
        for (int i = 0; i < m.params.size; i++) m.params.set(i, m.params.get(i) * 20);   // sharper than N(0, 0.02)
        ModelStore.save(dir, m);
        return dir;
    }

    @Test void explainProbeAndParamsOnASavedModel(@TempDir Path tmp) throws Exception {
        Path model = smallModel(tmp.resolve("m"));
        Path png = tmp.resolve("png");
        String out = run(0, "explain", "--model", model.toString(), "--prompt", "The capital of France is", "--target", " Paris",
                "--top", "4", "--png", png.toString(), "--nudge", "layer.1.w1[2,3]", "--epsilon", "1e-2", "--matrix", "1.0", "--json")[0];
        assertTrue(out.contains("attention matrix, layer 1 head 0"), out);
        assertTrue(out.contains("target ␣Paris"), out);
        JsonNode j = lastJson(out);
        assertEquals(5, j.get("tokens").size());
        assertEquals(" Paris", j.get("target").get("text").asText());
        assertEquals(-Math.log(j.get("target").get("p").asDouble()), j.get("loss").asDouble(), 1e-4);
        assertTrue(j.get("engine_logit_grad_max_diff").asDouble() < 1e-6);
        assertEquals(2, j.get("attention_last").size());
        assertEquals(5, j.get("attention_last").get(0).get(0).size());
        JsonNode n = j.get("nudges").get(0);
        assertEquals(n.get("grad").asDouble() * n.get("step_plus").asDouble(), n.get("predicted").asDouble(), 1e-12);
        assertEquals(2 * 2 + 1, j.get("png").size());
        assertTrue(Files.size(png.resolve("attention_grid.png")) > 1000);

        String probe = run(0, "probe", "--model", model.toString(), "--prompt", "The capital of France is", "--candidates", "Paris|London|Rome", "--json")[0];
        JsonNode p = lastJson(probe).get("ranked");
        assertEquals(3, p.size());
        for (int i = 1; i < 3; i++) assertTrue(p.get(i - 1).get("total").asDouble() >= p.get(i).get("total").asDouble());
        for (JsonNode c : p) assertTrue(c.get("candidate").asText().startsWith(" "), "a space is added after the prompt's last word");

        // probe's log P of a one-token candidate is explain's log P(target) for that token
        double explained = Math.log(j.get("target").get("p").asDouble());
        for (JsonNode c : p) if (c.get("candidate").asText().equals(" Paris") && c.get("tokens").size() == 1)
            assertEquals(explained, c.get("total").asDouble(), 1e-4);

        JsonNode params = lastJson(run(0, "params", "--model", model.toString(), "--json")[0]);
        assertEquals(new jgpt.model.ParamLayout(Config.gpt2(50257, 16, 2, 2, 8)).total, params.get("total").asLong());
    }

    @Test void probeFindsTheFactATrainedCharModelLearned(@TempDir Path tmp) throws Exception {
        // seed 000: "Paris is the capital" lives in the weights once training put it there
        CharTokenizer tok = CharTokenizer.fromText(ExplainerTest.FACT + "romeldn");
        GPT m = new GPT(Config.gpt2(tok.vocabSize(), 32, 2, 2, 32), DType.F32, new FastKernels()).initGpt2(1);
        ExplainerTest.train(m, tok.encode(ExplainerTest.FACT.repeat(3)), 150);
        Path dir = tmp.resolve("fact");
        ModelStore.save(dir, m);
        Tokenizers.save(dir, tok);
        JsonNode j = lastJson(run(0, "probe", "--model", dir.toString(), "--prompt", "the capital of france is", "--candidates", "rome|paris|london", "--json")[0]);
        assertEquals(" paris", j.get("best").asText());
        assertEquals(6, j.get("ranked").get(0).get("tokens").size(), "one token per character, space included");

        JsonNode e = lastJson(run(0, "explain", "--model", dir.toString(), "--prompt", "the capital of france is", "--json")[0]);
        assertEquals(" ", e.get("target").get("text").asText(), "the most likely next character is the space before paris");
    }

    @Test void mistakesAreOneLineErrors(@TempDir Path tmp) {
        assertTrue(run(2, "explain", "--prompt", "hi")[1].contains("--model DIR or --preset NAME"));
        assertTrue(run(2, "explain", "--preset", "nope", "--prompt", "hi")[1].contains("unknown preset"));
        String err = run(2, "probe", "--preset", "shakespeare-char", "--prompt", "hi", "--candidates", "a|b")[1];
        assertTrue(err.startsWith("jgpt: ") && err.strip().lines().count() == 1, err);
        assertTrue(run(2, "probe", "--preset", "gpt2", "--prompt", "hi", "--candidates", "a||b")[1].contains("empty candidate"));
        assertTrue(run(2, "explain", "--model", tmp.resolve("none").toString(), "--prompt", "hi")[1].startsWith("jgpt: "));
        Path model = smallModel(tmp.resolve("m"));
        assertTrue(run(2, "explain", "--model", model.toString(), "--prompt", "hi", "--target", " Parisians and")[1].contains("tokens"));
        assertTrue(run(2, "explain", "--model", model.toString(), "--prompt", "hi", "--nudge", "layer.9.wq[0,0]")[1].contains("no parameter"));
        assertTrue(run(2, "explain", "--model", model.toString(), "--prompt", "hi", "--matrix", "2.0")[1].contains("LAYER.HEAD"));
    }
}
