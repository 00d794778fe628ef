package jgpt.torture;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.TreeMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.stream.Stream;
import jgpt.cli.Main;

/**
 * Hostile files: mutates one file of a small trained run at a time — the model's weights, config and tokenizer,
 * llm.c and nanoGPT token files, a checkpoint's optimizer and state — and feeds it to eval, sample, explain or
 * train --resume. Each must end in a result (exit 0) or one line "jgpt: …" with exit 2: no stack trace, no hang
 * (30 s), no OutOfMemoryError in this JVM's small heap (run it with -Xmx256m). The mutations run in this JVM
 * through jgpt.cli.Main.run (thousands of JVM starts would take hours on 2 cores); every k-th also through the
 * real launcher in a fresh JVM.
 */
final class FileFuzz {
    static final int TIMEOUT_SEC = 30;

    /** A file to damage, where it lives in a copy of the base run, its format, and the commands that read it. */
    record Target(String name, String file, Mutator.Format format, List<String> commands) {}

    static final List<Target> TARGETS = List.of(
            new Target("model.safetensors", "run/model.safetensors", Mutator.Format.SAFETENSORS, List.of("eval", "sample", "explain")),
            new Target("config.json", "run/config.json", Mutator.Format.JSON, List.of("eval", "sample", "explain")),
            new Target("tokenizer.json", "run/tokenizer.json", Mutator.Format.JSON, List.of("sample", "explain")),
            new Target("llm.c token file", "prep/val.bin", Mutator.Format.LLMC_TOKENS, List.of("eval", "resume")),
            new Target("nanoGPT token file", "prep/val-nanogpt.bin", Mutator.Format.NANOGPT_TOKENS, List.of("eval")),
            new Target("checkpoint optimizer", "run/checkpoint/optimizer.safetensors", Mutator.Format.SAFETENSORS, List.of("resume")),
            new Target("checkpoint state", "run/checkpoint/state.json", Mutator.Format.JSON, List.of("resume")),
            new Target("checkpoint model", "run/checkpoint/model.safetensors", Mutator.Format.SAFETENSORS, List.of("resume")),
            new Target("checkpoint config", "run/checkpoint/config.json", Mutator.Format.JSON, List.of("resume")),
            new Target("run.json", "run/run.json", Mutator.Format.JSON, List.of("resume")));

    final Child jgpt;
    final Path work, base;
    final String data;
    final Random rnd;
    final PrintStream log;
    ExecutorService exec = newExec();
    int tried, results, cleanErrors, failures, launched, launchedFailures;
    final Map<String, int[]> byTarget = new TreeMap<>(), byKind = new TreeMap<>();   // [tried, ok, clean, failed]
    final List<String> failureLines = new ArrayList<>();

    FileFuzz(Child jgpt, Path work, String data, long seed, PrintStream log) {
        this.jgpt = jgpt; this.work = work; this.base = work.resolve("base"); this.data = data; this.rnd = new Random(seed); this.log = log;
    }

    static ExecutorService newExec() {
        return Executors.newSingleThreadExecutor(r -> { Thread t = new Thread(r, "fuzz-cli"); t.setDaemon(true); return t; });
    }

    /** A prepared dataset and a 3-step run with a checkpoint, made once per work directory. */
    void setUp() throws Exception {
        if (Files.isRegularFile(base.resolve("run/checkpoint/state.json"))) return;
        deleteTree(base);
        Path prep = base.resolve("prep");
        must(cli("prepare", "--input", data, "--tokenizer", "char", "--out", prep.toString()));
        byte[] val = Files.readAllBytes(prep.resolve("val.bin"));
        Files.write(prep.resolve("val-nanogpt.bin"), java.util.Arrays.copyOfRange(val, 1024, val.length));
        must(cli("train", "--data", prep.toString(), "--layers", "2", "--heads", "2", "--embd", "32", "--batch", "2", "--block", "16",
                "--steps", "3", "--checkpoint-every", "2", "--eval-every", "0", "--kernels", "java", "--threads", "1", "--out", base.resolve("run").toString()));
    }

    private static void must(Outcome o) {
        if (o.code != 0) throw new IllegalStateException("setup failed: " + o.err + o.thrown);
    }

    List<String> args(String command, Path dir) {
        Path run = dir.resolve("run"), prep = dir.resolve("prep");
        String tokens = prep.resolve(rnd.nextBoolean() ? "val.bin" : "val-nanogpt.bin").toString();
        return switch (command) {
            case "eval" -> List.of("eval", "--model", run.toString(), "--data", tokens, "--batch", "2", "--block", "16", "--batches", "2", "--threads", "1");
            case "sample" -> List.of("sample", "--model", run.toString(), "--tokens", "8", "--prompt", "To be", "--threads", "1");
            case "explain" -> List.of("explain", "--model", run.toString(), "--prompt", "To be", "--threads", "1");
            case "resume" -> List.of("train", "--resume", run.toString(), "--steps", "4", "--threads", "1", "--peak-gflops", "1");
            default -> throw new IllegalArgumentException(command);
        };
    }

    boolean run(int mutations, int throughLauncher) throws Exception {
        Files.createDirectories(work);
        setUp();
        Mutator m = new Mutator(rnd);
        int every = throughLauncher <= 0 ? Integer.MAX_VALUE : Math.max(1, mutations / throughLauncher);
        for (int i = 0; i < mutations; i++) {
            Target t = TARGETS.get(i % TARGETS.size());
            String command = t.commands().get(rnd.nextInt(t.commands().size()));
            Path dir = work.resolve("m");
            deleteTree(dir);
            copyTree(base, dir);
            if (command.equals("resume") || t.file().equals("prep/val.bin")) pointRunAt(dir);     // its data: the copy
            Path file = dir.resolve(t.file());
            Mutator.Mutation mu = m.mutate(t.format(), Files.readAllBytes(file));
            Files.write(file, mu.bytes());
            List<String> a = new ArrayList<>(args(command, dir));
            if (t.file().startsWith("prep/val") && command.equals("eval")) a.set(a.indexOf("--data") + 1, file.toString());
            Outcome o = cli(a.toArray(String[]::new));
            String verdict = o.verdict();
            tally(t.name(), mu.kind(), verdict);
            if (verdict.equals("FAIL")) note("in-process", t, mu, a, o.describe());
            if (i % every == every - 1) {
                launched++;
                Child.Result r = jgpt.with("-Xmx256m").run(work.resolve("launched"), TIMEOUT_SEC, a);
                boolean ok = !r.timedOut() && !r.stackTrace() && (r.code() == 0 || r.cleanError()) && !r.err().contains("out of memory");
                if (!ok) { launchedFailures++; note("launcher", t, mu, a, "exit " + r.code() + (r.timedOut() ? " (hang)" : "") + ": " + r.err().strip()); }
            }
        }
        exec.shutdownNow();
        log.printf("hostile files: %d mutated inputs, %d results (exit 0), %d one-line errors (exit 2), %d failures; "
                + "%d of them also through %s in a fresh JVM: %d failures%n", tried, results, cleanErrors, failures, launched, jgpt.describe(), launchedFailures);
        byTarget.forEach((k, v) -> log.printf("  %-24s %5d tried, %5d results, %5d errors, %d failures%n", k, v[0], v[1], v[2], v[3]));
        byKind.forEach((k, v) -> log.printf("  %-44s %5d tried, %5d results, %5d errors, %d failures%n", k, v[0], v[1], v[2], v[3]));
        failureLines.stream().limit(40).forEach(log::println);
        return failures == 0 && launchedFailures == 0;
    }

    private void note(String how, Target t, Mutator.Mutation mu, List<String> a, String what) throws IOException {
        int n = failureLines.size();
        String line = "  FAIL (" + how + ") " + t.name() + " / " + mu.kind() + " / " + a.get(0) + ": "
                + what.lines().limit(6).reduce((x, y) -> x + " | " + y).orElse("").replaceAll("[^\\x20-\\x7e]", "?");
        failureLines.add(line);
        Files.writeString(work.resolve("failures.txt"), n + " " + line + "\n", java.nio.file.StandardOpenOption.CREATE, java.nio.file.StandardOpenOption.APPEND);
        Path keep = work.resolve("failures/" + n + "-" + t.file().replace('/', '_'));   // the file, to reproduce
        Files.createDirectories(keep.getParent());
        Files.write(keep, mu.bytes());
    }

    private void tally(String target, String kind, String verdict) {
        tried++;
        int col = switch (verdict) { case "ok" -> { results++; yield 1; } case "error" -> { cleanErrors++; yield 2; } default -> { failures++; yield 3; } };
        for (int[] v : new int[][] {byTarget.computeIfAbsent(target, k -> new int[4]), byKind.computeIfAbsent(kind, k -> new int[4])}) { v[0]++; v[col]++; }
    }

    /** run.json of the copied run names the copied prepared data, so a damaged token file is the one trained on. */
    private static void pointRunAt(Path dir) throws IOException {
        Path rj = dir.resolve("run/run.json");
        ObjectMapper om = new ObjectMapper();
        ObjectNode n;
        try {
            n = (ObjectNode) om.readTree(rj.toFile());
        } catch (Exception e) {
            return;
        }
        n.put("data", dir.resolve("prep").toString());
        Files.writeString(rj, n.toString());
    }

    // ------------------------------------------------------------------------------------------- one CLI call

    record Outcome(int code, String out, String err, Throwable thrown, boolean hung) {
        String verdict() {
            if (thrown != null || hung) return "FAIL";
            if (err.contains("\tat ") || err.contains("Exception") || err.contains("out of memory")) return "FAIL";
            List<String> lines = err.strip().lines().filter(l -> !l.startsWith("jgpt: note:")).toList();
            if (code == 0) return "ok";
            return code == 2 && lines.size() == 1 && lines.get(0).startsWith("jgpt: ") ? "error" : "FAIL";
        }
        String describe() {
            if (hung) return "no result within " + TIMEOUT_SEC + " s";
            if (thrown != null) {
                var sw = new java.io.StringWriter();
                thrown.printStackTrace(new java.io.PrintWriter(sw));
                return sw.toString();
            }
            return "exit " + code + ": " + err.strip();
        }
    }

    /** jgpt.cli.Main.run(args) in this JVM with its output captured, on a worker thread with a time limit. */
    Outcome cli(String... args) {
        PrintStream oldOut = System.out, oldErr = System.err;
        var out = new ByteArrayOutputStream();
        var err = new ByteArrayOutputStream();
        System.setOut(new PrintStream(out, true, StandardCharsets.UTF_8));
        System.setErr(new PrintStream(err, true, StandardCharsets.UTF_8));
        try {
            Future<Integer> f = exec.submit(() -> Main.run(args));
            try {
                int code = f.get(TIMEOUT_SEC, TimeUnit.SECONDS);
                return new Outcome(code, out.toString(StandardCharsets.UTF_8), err.toString(StandardCharsets.UTF_8), null, false);
            } catch (TimeoutException e) {
                f.cancel(true);
                exec = newExec();        // the stuck thread is abandoned (a daemon)
                return new Outcome(-1, "", err.toString(StandardCharsets.UTF_8), null, true);
            } catch (java.util.concurrent.ExecutionException e) {
                return new Outcome(-1, out.toString(StandardCharsets.UTF_8), err.toString(StandardCharsets.UTF_8), e.getCause(), false);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new IllegalStateException(e);
            }
        } finally {
            System.setOut(oldOut);
            System.setErr(oldErr);
        }
    }

    static void copyTree(Path from, Path to) throws IOException {
        try (Stream<Path> s = Files.walk(from)) {
            for (Path p : s.toList()) {
                Path q = to.resolve(from.relativize(p).toString());
                if (Files.isDirectory(p)) Files.createDirectories(q); else Files.copy(p, q);
            }
        }
    }

    static void deleteTree(Path p) throws IOException {
        if (!Files.exists(p)) return;
        try (Stream<Path> s = Files.walk(p)) {
            for (Path q : s.sorted(Comparator.reverseOrder()).toList()) Files.delete(q);
        }
    }
}
