package jgpt.cli;

import org.junit.jupiter.api.Test;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;

import static org.junit.jupiter.api.Assertions.*;

/** The explain / probe command lines: user mistakes give one line and exit code 2 before any heavy work. */
class InspectCommandsTest {

    static String[] run(int expectedRc, String... args) {
        PrintStream out = System.out, err = System.err;
        ByteArrayOutputStream o = new ByteArrayOutputStream(), e = new ByteArrayOutputStream();
        System.setOut(new PrintStream(o, true, StandardCharsets.UTF_8));
        System.setErr(new PrintStream(e, true, StandardCharsets.UTF_8));
        try {
            assertEquals(expectedRc, Main.run(args), e.toString(StandardCharsets.UTF_8));
        } finally {
            System.setOut(out);
            System.setErr(err);
        }
        return new String[]{o.toString(StandardCharsets.UTF_8), e.toString(StandardCharsets.UTF_8)};
    }

    @Test void mistakesAreOneLineErrors() {
        assertTrue(run(2, "explain", "--prompt", "hi")[1].contains("--model DIR or --preset NAME"));
        assertTrue(run(2, "explain", "--preset", "nope", "--prompt", "hi")[1].contains("unknown preset"));
        // a char-level preset has no tokenizer until jgpt.tokenizer lands: say so instead of crashing
        String err = run(2, "probe", "--preset", "shakespeare-char", "--prompt", "hi", "--candidates", "a|b")[1];
        assertTrue(err.startsWith("jgpt: ") && err.strip().lines().count() == 1, err);
        assertTrue(run(2, "probe", "--preset", "gpt2", "--prompt", "hi", "--candidates", "a||b")[1].contains("empty candidate"));
        assertTrue(run(2, "explain", "--model", "/nonexistent", "--prompt", "hi")[1].contains("config.json"));
    }
}
