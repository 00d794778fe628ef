package jgpt.cli;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** train end to end on a tiny model: the written run, and user mistakes that must exit 2 and damage nothing. */
class TrainCommandTest {
    @TempDir static Path tmp;
    static Path text, run;

    static String[] tiny(String... extra) {
        List<String> a = new ArrayList<>(List.of("train", "--data", text.toString(), "--tokenizer", "char", "--layers", "1", "--heads", "2",
                "--embd", "8", "--batch", "2", "--block", "8", "--steps", "3", "--eval-every", "3", "--eval-batches", "2",
                "--threads", "1", "--kernels", "naive"));
        a.addAll(List.of(extra));
        return a.toArray(String[]::new);
    }

    @BeforeAll static void trainOnce() throws Exception {
        text = tmp.resolve("tiny.txt");
        Files.writeString(text, "to be or not to be, that is the question. ".repeat(40));
        run = tmp.resolve("run");
        CliRun.Run r = CliRun.run(tiny("--out", run.toString(), "--json", "--cache", tmp.resolve("cache").toString()));
        assertEquals(0, r.code, r.out + r.err);
        assertEquals(3, r.json().get("steps").asInt());
    }

    /** Hash of every file in the run, to prove a failed command changed nothing. */
    static List<String> snapshot(Path dir) throws Exception {
        List<String> out = new ArrayList<>();
        try (Stream<Path> s = Files.walk(dir)) {
            for (Path p : s.filter(Files::isRegularFile).sorted().toList()) {
                byte[] h = MessageDigest.getInstance("SHA-256").digest(Files.readAllBytes(p));
                out.add(dir.relativize(p) + " " + java.util.HexFormat.of().formatHex(h));
            }
        }
        return out;
    }

    @Test void writesAModelTheOtherCommandsLoad() throws Exception {
        for (String f : List.of("config.json", "model.safetensors", "tokenizer.json", "metrics.jsonl", "checkpoint/state.json", "checkpoint/optimizer.safetensors"))
            assertTrue(Files.isRegularFile(run.resolve(f)), f);
        assertEquals(3, Files.readAllLines(run.resolve("metrics.jsonl")).size());
        CliRun.Run s = CliRun.run("sample", "--model", run.toString(), "--tokens", "5", "--temperature", "0", "--json", "--kernels", "naive");
        assertEquals(0, s.code, s.err);
        assertEquals(5, s.json().get("tokens").asInt());
    }

    @Test void userMistakesExitTwoAndLeaveTheRunIntact() throws Exception {
        List<String> before = snapshot(run);
        Path empty = Files.writeString(tmp.resolve("empty.txt"), "");
        Path binary = Files.write(tmp.resolve("bad.txt"), new byte[] {'a', 'b', (byte) 0xC3, (byte) 0x28, 'c'});
        assertTrue(CliRun.fails(tiny("--out", run.toString())).contains("--resume"));                     // would overwrite a run
        String out = tmp.resolve("fresh").toString();
        assertTrue(CliRun.fails(tiny("--out", out, "--lr", "0")).contains("--lr"));
        assertTrue(CliRun.fails(tiny("--out", out, "--lr", "-1")).contains("--lr"));
        assertTrue(CliRun.fails(set(tiny("--out", out), "--batch", "0")).contains("--batch"));
        assertTrue(CliRun.fails(set(tiny("--out", out), "--layers", "-2")).contains("positive"));
        assertTrue(CliRun.fails(set(tiny("--out", out), "--block", "4000")).contains("tokens"));               // block larger than the data
        assertTrue(CliRun.fails(set(tiny("--out", out), "--data", empty.toString())).contains(empty.toString()));
        assertTrue(CliRun.fails(set(tiny("--out", out), "--data", binary.toString())).contains("UTF-8"));
        assertTrue(CliRun.fails(set(tiny("--out", out), "--data", "no-such-dataset")).contains("no-such-dataset"));
        // a model whose vocabulary does not match the data's tokenizer
        assertTrue(CliRun.fails(set(tiny("--out", out, "--init", run.toString()), "--tokenizer", "gpt2")).contains("vocabulary"));
        assertTrue(CliRun.fails("train", "--resume", tmp.resolve("nothing-here").toString()).contains("checkpoint"));
        assertEquals(before, snapshot(run), "a failed command must not touch an existing run");
        assertTrue(!Files.exists(Path.of(out)), "a failed command leaves no half-made run behind");
    }

    @Test void resumeExtendsARunAndAppendsItsMetrics() throws Exception {
        Path copy = tmp.resolve("copy");
        CliRun.Run r0 = CliRun.run(tiny("--out", copy.toString()));
        assertEquals(0, r0.code, r0.err);
        CliRun.Run r = CliRun.run("train", "--resume", copy.toString(), "--steps", "5", "--threads", "1", "--kernels", "naive", "--json");
        assertEquals(0, r.code, r.out + r.err);
        assertEquals(5, r.json().get("steps").asInt());
        List<String> lines = Files.readAllLines(copy.resolve("metrics.jsonl"));
        assertEquals(5, lines.size());
        assertArrayEquals(new int[] {0, 1, 2, 3, 4}, lines.stream().mapToInt(l -> Integer.parseInt(l.replaceAll(".*\"step\":(\\d+).*", "$1"))).toArray());
    }

    @Test void replicasGiveTheSameRun() throws Exception {
        double[] loss = new double[2], val = new double[2];
        for (int i = 0; i < 2; i++) {
            String[] a = set(set(tiny("--out", tmp.resolve("replicas" + (i + 1)).toString(), "--json", "--replicas", String.valueOf(i + 1)),
                    "--kernels", "java"), "--threads", "2");
            CliRun.Run r = CliRun.run(set(a, "--batch", "4"));
            assertEquals(0, r.code, r.out + r.err);
            assertTrue(r.out().contains("split over " + (i + 1) + " replica"), r.out());
            loss[i] = r.json().get("loss").asDouble();
            val[i] = r.json().get("val_loss").asDouble();
        }
        assertEquals(loss[0], loss[1], 1e-4 * loss[0], "last training loss, 1 vs 2 replicas");
        assertEquals(val[0], val[1], 1e-4 * val[0], "validation loss, 1 vs 2 replicas");
    }

    /** args with the value of flag replaced. */
    static String[] set(String[] args, String flag, String value) {
        String[] a = args.clone();
        for (int i = 0; i < a.length - 1; i++) if (a[i].equals(flag)) a[i + 1] = value;
        return a;
    }
}
