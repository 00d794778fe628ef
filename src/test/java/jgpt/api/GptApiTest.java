package jgpt.api;

import static org.junit.jupiter.api.Assertions.*;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import jgpt.InvalidSetting;
import jgpt.TestData;
import jgpt.tensor.KernelSets;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The public API end to end on a tiny char model trained on Tiny Shakespeare (reference kernels: bit-reproducible). */
class GptApiTest {
    @TempDir static Path tmp;
    static List<StepMetrics> steps = new ArrayList<>();
    static Gpt trained;

    @BeforeAll static void train() {
        trained = Training.builder().data(TestData.shakespeare()).model(1, 2, 16).block(16).batch(4)
                .optimizer("adamw", 3e-3).schedule("cosine", 2).steps(30).evaluate(15, 2).kernels("naive", 1)
                .onStep(steps::add).checkpointDir(tmp.resolve("run")).build().run();
    }

    @Test void trainingReportsEveryStepAndLearns() {
        assertEquals(30, steps.size());
        for (int i = 0; i < 30; i++) assertEquals(i, steps.get(i).step());
        assertTrue(steps.get(29).loss() < steps.get(0).loss() - 0.3, steps.get(0).loss() + " -> " + steps.get(29).loss());
        assertFalse(Double.isNaN(steps.get(14).valLoss()), "validated at step 15");
        assertTrue(Double.isNaN(steps.get(13).valLoss()));
        assertEquals("char", trained.tokenizerKind());
    }

    @Test void loadedModelGeneratesWhatTheTrainedOneDoes() {
        Gpt loaded = Gpt.load(tmp.resolve("run"), KernelSets.named("naive", 1));
        var opts = GenerationOptions.defaults().maxTokens(20).seed(7);
        StringBuilder streamed = new StringBuilder();
        String text = loaded.generate("ROMEO:", opts, streamed::append);
        assertEquals(text, streamed.toString());
        assertEquals(20, text.length(), "char tokenizer: one char per token");
        assertEquals(text, trained.generate("ROMEO:", opts));
        assertEquals(loaded.generate("ROMEO:", opts.temperature(0)), loaded.generate("ROMEO:", opts.temperature(0).seed(99)), "greedy ignores the seed");
    }

    @Test void nextTokensScoreAndProbeAgree() {
        List<TokenScore> top = trained.nextTokens("To be or not t", 5);
        assertEquals(5, top.size());
        for (int i = 1; i < 5; i++) assertTrue(top.get(i - 1).value() >= top.get(i).value());
        double sum = top.stream().mapToDouble(TokenScore::value).sum();
        assertTrue(sum > 0 && sum <= 1 + 1e-9);
        // log P(prompt + c) − log P(prompt) = log P(c | prompt) for a char tokenizer
        String prompt = "To be or not";
        List<Candidate> ranked = trained.probe(prompt, List.of(" to", "xqz"));
        assertEquals(" to", ranked.get(0).text());
        double viaScore = trained.score(prompt + " to").logProb() - trained.score(prompt).logProb();
        assertEquals(viaScore, ranked.get(0).logProb(), 1e-6);
        // the first next token of the table is the one whose probe is most likely among single tokens
        String best = top.get(0).text();
        assertEquals(Math.log(top.get(0).value()), trained.probe("To be or not t", List.of(best)).get(0).logProb(), 1e-6);
    }

    @Test void explainGivesCausalAttentionAndTheGradientAtTheLogits() {
        Explanation e = trained.explain("First Citizen");
        assertEquals(13, e.tokens().size());
        assertEquals(1, e.layers());
        assertEquals(2, e.heads());
        double[][] a = e.attention(0, 1);
        for (int i = 0; i < a.length; i++) {
            double row = 0;
            for (int j = 0; j < a.length; j++) { row += a[i][j]; if (j > i) assertEquals(0, a[i][j]); }
            assertEquals(1, row, 1e-5);
        }
        assertEquals(e.nextTokens().get(0).text(), e.target(), "the default target is the most likely token");
        assertEquals(-Math.log(e.targetProbability()), e.loss(), 1e-5);
        // ∂loss/∂logit of the target is P(target) − 1
        TokenScore g = e.logitGradient().stream().filter(s -> s.text().equals(e.target())).findFirst().orElseThrow();
        assertEquals(e.targetProbability() - 1, g.value(), 1e-6);
        assertTrue(e.report().contains("First Citizen") || e.report().length() > 100);
    }

    @Test void badSettingsAreTypedAndNameTheSetting() {
        var ex = assertThrows(InvalidSetting.class, () -> GenerationOptions.defaults().topP(0));
        assertEquals("top-p", ex.setting());
        assertTrue(ex.getMessage().startsWith("top-p ") && !ex.getMessage().contains("--"), ex.getMessage());
        var ex2 = assertThrows(InvalidSetting.class, () -> Training.builder().data("x").checkpointDir(tmp.resolve("r2")).steps(0).build().run());
        assertEquals("steps", ex2.setting());
        assertFalse(ex2.getMessage().contains("--"));
        assertThrows(jgpt.UserError.class, () -> Gpt.load(tmp.resolve("nothing")));
    }
}
