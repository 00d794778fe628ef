package jgpt.torture;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.List;
import jgpt.TestData;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The short versions of the torture harness (RELIABILITY.md has the long ones): 5+ kill -9s with resumes,
 * 200 hostile files in a 256 MB JVM, and each fault once (NaN, two trainers, too big for the heap,
 * Ctrl-C twice, disk full where a tmpfs can be mounted).
 */
class TortureTest {
    @TempDir Path tmp;

    static String capture(ByteArrayOutputStream b) { return b.toString(StandardCharsets.UTF_8); }

    @Test void killedAtRandomMomentsAndResumedTheRunEndsBitIdentical() throws Exception {
        var out = new ByteArrayOutputStream();
        // naive kernels: bit-equal across processes whatever the JIT does (see RELIABILITY.md)
        var kt = new KillTorture(Child.java(), tmp, TestData.shakespeare().toString(), "naive", 1, 8, 3, 7, new PrintStream(out, true, StandardCharsets.UTF_8));
        boolean ok = kt.run(List.of(KillTorture.VARIANTS.getFirst()), 2, 5);
        assertTrue(ok, capture(out));
        assertTrue(kt.kills >= 5, "at least 5 kills: " + capture(out));
        assertEquals(0, kt.mismatches + kt.failures, capture(out));
    }

    @Test void hostileFilesEndInAResultOrOneLineInA256MbHeap() throws Exception {
        Process p = new ProcessBuilder(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                "--add-modules", "jdk.incubator.vector", "--enable-native-access=ALL-UNNAMED", "-Xmx256m",
                "-cp", System.getProperty("java.class.path"), "jgpt.torture.Torture", "files", "--jgpt", "java",
                "--work", tmp.toString(), "--data", TestData.shakespeare().toString(), "--mutations", "200", "--launched", "3", "--seed", "11")
                .redirectErrorStream(true).start();
        String log = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertEquals(0, p.waitFor(), log);
        assertTrue(log.contains("hostile files: 200 mutated inputs") && log.contains(" 0 failures;") && log.contains("fresh JVM: 0 failures"), log);
    }

    @Test void faultsEndCleanlyAndTheLastCheckpointResumes() throws Exception {
        var out = new ByteArrayOutputStream();
        var f = new Faults(Child.java(), tmp, TestData.shakespeare().toString(), new PrintStream(out, true, StandardCharsets.UTF_8));
        assertTrue(f.run(), capture(out));
        assertTrue(f.passed >= 14, capture(out));
    }
}
