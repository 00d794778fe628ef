package jgpt.torture;

import java.io.IOException;
import java.io.OutputStream;
import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * One scenario per fault, each through a real process: a NaN gradient (stop, resume with a lower --lr; skip),
 * two trainers on one --out and a stale lock, a model or batch too big for the heap, Ctrl-C twice with the
 * second during the checkpoint write, and a disk that fills up while a checkpoint is written.
 */
final class Faults {
    final Child jgpt;
    final Path work;
    final String data;
    final PrintStream log;
    int passed, failed, skipped;

    Faults(Child jgpt, Path work, String data, PrintStream log) { this.jgpt = jgpt; this.work = work; this.data = data; this.log = log; }

    boolean run() throws Exception {
        nonFinite();
        lock();
        outOfMemory();
        ctrlC();
        diskFull();
        log.printf("faults: %d checks passed, %d failed, %d skipped%n", passed, failed, skipped);
        return failed == 0;
    }

    List<String> train(Path out, int steps, int checkpointEvery, String... more) {
        List<String> a = new ArrayList<>(List.of("train", "--data", data, "--cache", work.resolve("cache").toString(), "--tokenizer", "char",
                "--layers", "2", "--heads", "2", "--embd", "64", "--batch", "4", "--block", "32", "--steps", Integer.toString(steps),
                "--warmup", "2", "--eval-every", "0", "--checkpoint-every", Integer.toString(checkpointEvery), "--threads", "2", "--peak-gflops", "100", "--out", out.toString()));
        for (int i = 0; i + 1 < more.length; i += 2) {      // overrides replace the base value
            int at = a.indexOf(more[i]);
            if (at >= 0) a.set(at + 1, more[i + 1]);
            else a.addAll(List.of(more[i], more[i + 1]));
        }
        return a;
    }

    void check(String what, boolean ok, Object detail) {
        if (ok) passed++;
        else { failed++; log.printf("  FAIL %s: %s%n", what, detail); }
    }

    /** The model in dir loads and generates. */
    boolean loads(Path dir, String name) throws Exception {
        Child.Result r = jgpt.run(work.resolve("logs/" + name), 120, List.of("sample", "--model", dir.toString(), "--tokens", "4", "--prompt", "a"));
        return r.code() == 0 && !r.stackTrace();
    }

    static long lines(Path f) throws IOException { return Files.exists(f) ? Files.readAllLines(f).stream().filter(l -> !l.isBlank()).count() : 0; }

    void nonFinite() throws Exception {
        Path out = work.resolve("nan");
        Child.Result r = jgpt.with("-Djgpt.fault.nanAtStep=6").run(work.resolve("logs/nan"), 300, train(out, 10, 4));
        check("NaN stops the run with one line naming step and --lr", r.cleanError() && r.err().contains("step 6") && r.err().contains("--lr"), r.err());
        check("NaN: the last good checkpoint loads", loads(out.resolve("checkpoint"), "nan-load"), out);
        Child.Result res = jgpt.run(work.resolve("logs/nan-resume"), 300, List.of("train", "--resume", out.toString(), "--lr", "5e-4", "--threads", "2", "--peak-gflops", "100"));
        check("NaN: --resume --lr continues to the end", res.code() == 0 && lines(out.resolve("metrics.jsonl")) == 10, res.err());
        Path skip = work.resolve("nan-skip");
        Child.Result s = jgpt.with("-Djgpt.fault.nanAtStep=6").run(work.resolve("logs/nan-skip"), 300, train(skip, 10, 4, "--on-nonfinite", "skip"));
        String m = Files.exists(skip.resolve("metrics.jsonl")) ? Files.readString(skip.resolve("metrics.jsonl")) : "";
        check("--on-nonfinite skip drops and counts the step", s.code() == 0 && m.lines().filter(l -> l.contains("\"skipped\":true")).count() == 1
                && m.lines().filter(l -> l.contains("\"skipped\":true")).allMatch(l -> l.startsWith("{\"step\":6,")), s.err() + m);
    }

    void lock() throws Exception {
        Path out = work.resolve("lock");
        Process a = jgpt.start(work.resolve("logs/lock-a"), train(out, 100000, 1));
        while (a.isAlive() && lines(out.resolve("metrics.jsonl")) < 2) Thread.sleep(20);
        Child.Result b = jgpt.run(work.resolve("logs/lock-b"), 120, train(out, 10, 1));
        check("a second trainer on the same --out refuses, naming the first", b.cleanError() && b.err().contains("process " + a.pid()), b.err());
        Child.Result c = jgpt.run(work.resolve("logs/lock-c"), 120, List.of("train", "--resume", out.toString(), "--threads", "2", "--peak-gflops", "100"));
        check("a resume while the trainer runs refuses too", c.cleanError() && c.err().contains("process " + a.pid()), c.err());
        a.destroyForcibly();
        a.waitFor();
        Child.Result d = jgpt.run(work.resolve("logs/lock-d"), 300, List.of("train", "--resume", out.toString(), "--steps", Long.toString(lines(out.resolve("metrics.jsonl")) + 3), "--threads", "2", "--peak-gflops", "100"));
        check("the killed trainer's stale lock does not block --resume", d.code() == 0, d.err());
    }

    void outOfMemory() throws Exception {
        Child small = jgpt.with("-Xmx256m");
        Child.Result big = small.run(work.resolve("logs/oom-model"), 120, train(work.resolve("oom-model"), 10, 0, "--layers", "12", "--embd", "768", "--heads", "12"));
        check("a model too big for the heap: one line with the memory needed and -Xmx", big.cleanError() && big.err().contains("JGPT_JAVA_OPTS=-Xmx") && big.err().contains("MB"), big.err());
        Child.Result batch = small.run(work.resolve("logs/oom-batch"), 120, train(work.resolve("oom-batch"), 10, 0, "--batch", "256", "--block", "256"));
        check("a batch too big for the heap: the same", batch.cleanError() && batch.err().contains("JGPT_JAVA_OPTS=-Xmx"), batch.err());
    }

    void ctrlC() throws Exception {
        Path out = work.resolve("ctrlc");
        Process p = jgpt.start(work.resolve("logs/ctrlc"), train(out, 400, 1000, "--embd", "128"));
        while (p.isAlive() && lines(out.resolve("metrics.jsonl")) < 3) Thread.sleep(10);
        Child.signal(p, "INT");
        Path tmp = out.resolve("checkpoint.tmp");
        long t0 = System.nanoTime();
        while (p.isAlive() && !Files.exists(tmp) && System.nanoTime() - t0 < 30_000_000_000L) Thread.onSpinWait();
        boolean during = Files.exists(tmp);
        Child.signal(p, "INT");
        boolean exited = p.waitFor(120, TimeUnit.SECONDS);
        if (!exited) p.destroyForcibly();
        log.printf("  ctrl-c: second signal %s the checkpoint write%n", during ? "during" : "not during (write not seen)");
        check("Ctrl-C twice: the process ends", exited, "still running after 120 s");
        check("Ctrl-C twice: the checkpoint loads", loads(out.resolve("checkpoint"), "ctrlc-load"), out);
        Child.Result r = jgpt.run(work.resolve("logs/ctrlc-resume"), 600, List.of("train", "--resume", out.toString(), "--steps", Long.toString(lines(out.resolve("metrics.jsonl")) + 3), "--threads", "2", "--peak-gflops", "100"));
        check("Ctrl-C twice: --resume continues", r.code() == 0, r.err());
    }

    void diskFull() throws Exception {
        Path mnt = work.resolve("diskfull-mnt");
        Files.createDirectories(mnt);
        Process m = new ProcessBuilder("mount", "-t", "tmpfs", "-o", "size=24m", "tmpfs", mnt.toString()).redirectErrorStream(true).start();
        String why = new String(m.getInputStream().readAllBytes()).strip();
        if (m.waitFor() != 0) {
            skipped++;
            log.printf("  disk full: skipped (cannot mount a tmpfs here: %s)%n", why.isEmpty() ? "not root?" : why);
            return;
        }
        try {
            Path out = mnt.resolve("run"), filler = mnt.resolve("filler");
            Process p = jgpt.start(work.resolve("logs/diskfull"), train(out, 100000, 1));
            while (p.isAlive() && !Files.exists(out.resolve("checkpoint/state.json"))) Thread.sleep(5);
            try (OutputStream f = Files.newOutputStream(filler)) {
                byte[] mb = new byte[1 << 16];
                while (true) f.write(mb);
            } catch (IOException full) { /* the disk is full now */ }
            boolean exited = p.waitFor(300, TimeUnit.SECONDS);
            if (!exited) { p.destroyForcibly(); p.waitFor(); }
            Child.Result r = Child.result(work.resolve("logs/diskfull"), p.exitValue(), !exited);
            check("disk full: one-line error, exit 2", r.cleanError() && r.err().contains("No space left"), r.err());
            check("disk full: no half-written checkpoint left behind", !Files.exists(out.resolve("checkpoint.tmp")), "checkpoint.tmp remains");
            Files.delete(filler);
            check("disk full: the previous checkpoint loads", loads(out.resolve("checkpoint"), "diskfull-load"), out);
            Child.Result res = jgpt.run(work.resolve("logs/diskfull-resume"), 300, List.of("train", "--resume", out.toString(),
                    "--steps", Long.toString(lines(out.resolve("metrics.jsonl")) + 3), "--threads", "2", "--peak-gflops", "100"));
            check("disk full: --resume continues once there is room", res.code() == 0, res.err());
        } finally {
            new ProcessBuilder("umount", mnt.toString()).inheritIO().start().waitFor();
        }
    }
}
