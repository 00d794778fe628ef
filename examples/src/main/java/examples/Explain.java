package examples;

import java.nio.file.Path;
import java.util.List;
import jgpt.api.Candidate;
import jgpt.api.Explanation;
import jgpt.api.Gpt;

/** What the model predicts after a prompt and where its attention goes; then ranks two continuations. Usage: Explain MODEL_DIR PROMPT */
public final class Explain {
    public static void main(String[] args) {
        Gpt model = Gpt.load(Path.of(args[0]));
        String prompt = args[1];
        Explanation e = model.explain(prompt);
        System.out.printf("predicted next: '%s' with P = %.3f (loss %.3f)%n", e.target(), e.targetProbability(), e.loss());
        int last = e.tokens().size() - 1;
        for (int l = 0; l < e.layers(); l++)
            for (int h = 0; h < e.heads(); h++) {
                double[] row = e.attention(l, h)[last];
                int best = 0;
                for (int j = 1; j < row.length; j++) if (row[j] > row[best]) best = j;
                System.out.printf("layer %d head %d: the last position looks most at position %d '%s' (%.2f)%n",
                        l, h, best, e.tokens().get(best).replace("\n", "\\n"), row[best]);
            }
        for (Candidate c : model.probe(prompt, List.of(" the", " zqx")))
            System.out.printf("candidate '%s': log P = %.3f%n", c.text(), c.logProb());
    }
}
