package jgpt.data;

import jgpt.tokenizer.Tokenizer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Path;
import java.util.Arrays;

import static org.junit.jupiter.api.Assertions.*;

class SyntheticTest {
    @TempDir Path cache;

    @Test void everyLineFollowsItsTask() {
        for (String task : Synthetic.TASKS) {
            String text = Synthetic.generate(task, 500, 1);
            String[] lines = text.split("\n");
            assertEquals(500, lines.length);
            for (String line : lines) {
                if (task.equals("addition")) {
                    String[] p = line.split("[+=]");
                    assertEquals(Integer.parseInt(p[0]) + Integer.parseInt(p[1]), Integer.parseInt(p[2]), line);
                    continue;
                }
                String[] p = line.split("\\|");
                assertTrue(p[0].matches("[a-z]{4,8}"), line);
                String expect = switch (task) {
                    case "copy" -> p[0];
                    case "reverse" -> new StringBuilder(p[0]).reverse().toString();
                    default -> { char[] c = p[0].toCharArray(); Arrays.sort(c); yield new String(c); }
                };
                assertEquals(expect, p[1], task + ": " + line);
            }
        }
    }

    @Test void preparedOnceDeterministicallyWithAFixedVocabulary() throws Exception {
        Dataset d = Datasets.resolve("synthetic:reverse", null, cache);
        Tokenizer tok = d.tokenizer();
        assertEquals(28, tok.vocabSize()); // '\n', '|', a-z
        try (TokenFile train = d.openTrain(); TokenFile val = d.openVal()) {
            String text = tok.decode(train.toArray());
            assertEquals(Synthetic.generate("reverse", Synthetic.TRAIN_LINES, Synthetic.TRAIN_SEED), text);
            assertEquals(Synthetic.VAL_LINES, tok.decode(val.toArray()).split("\n").length);
            assertNotEquals(text.substring(0, 200), tok.decode(val.toArray()).substring(0, 200), "val is not a copy of train");
        }
        assertEquals(13, Datasets.resolve("synthetic:addition", null, cache).tokenizer().vocabSize());
        assertEquals(Synthetic.generate("sort", 50, 9), Synthetic.generate("sort", 50, 9));
    }
}
