package examples;

import java.nio.file.Path;
import jgpt.api.Gpt;
import jgpt.api.Training;

/**
 * Trains a tiny character-level model for 50 steps, from scratch or, given a model directory, on top of it.
 * Usage: FineTune TEXT_FILE OUT_DIR [BASE_MODEL_DIR]
 */
public final class FineTune {
    public static void main(String[] args) {
        Path data = Path.of(args[0]), out = Path.of(args[1]);
        Training.Builder b = Training.builder()
                .data(data)
                .block(32).batch(8)
                .optimizer("adamw", 3e-3).schedule("cosine", 5)
                .steps(50)
                .evaluate(25, 4)
                .onStep(m -> {
                    if (m.step() % 10 == 0 || m.step() == 49)
                        System.out.printf("step %d loss %.4f%n", m.step(), m.loss());
                })
                .checkpointDir(out);
        if (args.length > 2) b.model(Gpt.load(Path.of(args[2])));    // fine-tune: the model's own tokenizer is used
        else b.model(2, 2, 32);                                       // a new tiny model: 2 layers, 2 heads, 32 wide
        Gpt model = b.build().run();
        System.out.printf("trained %,d parameters, saved in %s%n", model.parameters(), model.directory());
    }
}
