package jgpt;

import java.nio.file.Files;
import java.nio.file.Path;

/** Locates shared test data (never committed): shared/data/ beside the checkout or one level up. */
public final class TestData {
    private TestData() {}

    public static Path shakespeare() {
        Path dir = Path.of("").toAbsolutePath();
        for (int up = 0; up < 4 && dir != null; up++, dir = dir.getParent()) {
            Path p = dir.resolve("shared/data/tinyshakespeare.txt");
            if (Files.isRegularFile(p)) return p;
        }
        throw new IllegalStateException("tinyshakespeare.txt not found in shared/data/ beside the checkout");
    }
}
