package examples;

import java.nio.file.Path;
import jgpt.api.GenerationOptions;
import jgpt.api.Gpt;
import jgpt.api.TokenScore;

/** Streams a continuation of a prompt, then shows the next-token table. Usage: Generate MODEL_DIR PROMPT */
public final class Generate {
    public static void main(String[] args) {
        Gpt model = Gpt.load(Path.of(args[0]));
        String prompt = args[1];
        System.out.print(prompt);
        model.generate(prompt, GenerationOptions.defaults().maxTokens(60).temperature(0.8).seed(42), System.out::print);
        System.out.println();
        System.out.println("next after '" + prompt + "':");
        for (TokenScore t : model.nextTokens(prompt, 3)) System.out.printf("  %-6s %.3f%n", "'" + t.text().replace("\n", "\\n") + "'", t.value());
    }
}
