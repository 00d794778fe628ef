package examples;

import static org.junit.jupiter.api.Assertions.*;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestMethodOrder;
import org.junit.jupiter.api.io.TempDir;

/** Runs the three examples in order (train, fine-tune, generate, explain) and checks what they print. */
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class ExamplesTest {
    @TempDir static Path tmp;

    /** shared/data/tinyshakespeare.txt beside the checkout (never committed), as the core's tests find it. */
    static Path shakespeare() {
        Path dir = Path.of("").toAbsolutePath();
        for (int up = 0; up < 5 && dir != null; up++, dir = dir.getParent()) {
            Path p = dir.resolve("shared/data/tinyshakespeare.txt");
            if (Files.isRegularFile(p)) return p;
        }
        throw new IllegalStateException("tinyshakespeare.txt not found in shared/data/ beside the checkout");
    }

    static String run(Runnable main) {
        PrintStream old = System.out;
        var buf = new ByteArrayOutputStream();
        System.setOut(new PrintStream(buf, true, StandardCharsets.UTF_8));
        try { main.run(); } finally { System.setOut(old); }
        String out = buf.toString(StandardCharsets.UTF_8);
        old.print(out);
        return out;
    }

    static double loss(String out, int step) {
        Matcher m = Pattern.compile("step " + step + " loss ([0-9.]+)").matcher(out);
        assertTrue(m.find(), out);
        return Double.parseDouble(m.group(1));
    }

    @Test @Order(1) void trainsAndFineTunes() {
        String data = shakespeare().toString();
        String base = run(() -> FineTune.main(new String[] {data, tmp.resolve("base").toString()}));
        assertTrue(loss(base, 49) < loss(base, 0) - 0.5, base);
        assertTrue(Files.isRegularFile(tmp.resolve("base/model.safetensors")));
        String tuned = run(() -> FineTune.main(new String[] {data, tmp.resolve("tuned").toString(), tmp.resolve("base").toString()}));
        assertTrue(loss(tuned, 0) < loss(base, 0) - 0.5, "fine-tuning starts from the trained model: " + tuned);
        assertTrue(tuned.contains("saved in " + tmp.resolve("tuned")), tuned);
    }

    @Test @Order(2) void generates() {
        String out = run(() -> Generate.main(new String[] {tmp.resolve("tuned").toString(), "ROMEO:"}));
        String first = out.lines().findFirst().orElseThrow();
        assertTrue(first.startsWith("ROMEO:") && out.length() > 60, out);
        assertTrue(out.contains("next after 'ROMEO:':"), out);
        assertEquals(3, out.lines().filter(l -> l.matches("  '.*' +0\\.\\d{3}")).count(), out);
    }

    @Test @Order(3) void explains() {
        String out = run(() -> Explain.main(new String[] {tmp.resolve("tuned").toString(), "First Citizen:\nBefore we"}));
        assertTrue(out.matches("(?s)predicted next: '.*' with P = 0\\.\\d{3}.*"), out);
        assertEquals(4, out.lines().filter(l -> l.startsWith("layer ")).count(), "2 layers × 2 heads: " + out);
        assertTrue(out.indexOf("candidate ' the'") < out.indexOf("candidate ' zqx'"), "the likelier candidate first: " + out);
    }
}
