package jgpt.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;

/** Runs the CLI in-process with stdout/stderr captured, for the command tests. */
final class CliRun {
    private CliRun() {}

    static final class Run {
        final int code;
        final String out, err;

        Run(int code, String out, String err) { this.code = code; this.out = out; this.err = err; }
        int code() { return code; }
        String out() { return out; }
        String err() { return err; }

        /** The last line of stdout as JSON (what --json promises). */
        JsonNode json() throws java.io.IOException {
            String[] lines = out.strip().split("\n");
            return new ObjectMapper().readTree(lines[lines.length - 1]);
        }
    }

    static synchronized Run run(String... args) {
        PrintStream oldOut = System.out, oldErr = System.err;
        var out = new ByteArrayOutputStream();
        var err = new ByteArrayOutputStream();
        try {
            System.setOut(new PrintStream(out, true, StandardCharsets.UTF_8));
            System.setErr(new PrintStream(err, true, StandardCharsets.UTF_8));
            int code = Main.run(args);
            return new Run(code, out.toString(StandardCharsets.UTF_8), err.toString(StandardCharsets.UTF_8));
        } finally {
            System.setOut(oldOut);
            System.setErr(oldErr);
        }
    }

    /** Runs a command that must fail as a user mistake: exit 2, one line "jgpt: …" on stderr; returns that line. */
    static String fails(String... args) {
        Run r = run(args);
        assertEquals(2, r.code, r.out + r.err);
        assertTrue(r.err.startsWith("jgpt: "), r.err);
        assertEquals(1, r.err.strip().lines().count(), r.err);
        return r.err.strip();
    }
}
