package jgpt.train;

import java.io.PrintStream;

/** A progress bar with ETA on a terminal; plain periodic lines otherwise (logs, CI). */
final class Progress {
    private final PrintStream out;
    private final long total, start;
    private final boolean tty = System.console() != null && System.console().isTerminal() && System.getenv("CI") == null;
    private final long t0 = System.nanoTime();
    private long lastPrint;
    private double emaLoss = Double.NaN;

    Progress(PrintStream out, long total, long start) {
        this.out = out;
        this.total = total;
        this.start = start;
    }

    void update(long step, double loss, double tokPerS) {
        emaLoss = Double.isNaN(emaLoss) ? loss : 0.9 * emaLoss + 0.1 * loss;
        long now = System.nanoTime();
        double elapsed = (now - t0) / 1e9;
        double eta = (total - step) * elapsed / Math.max(1, step - start);
        if (tty) {
            if (now - lastPrint < 100_000_000L && step < total) return;
            int width = 30, filled = (int) (width * step / total);
            out.printf("\r[%s%s] %d/%d loss %.4f  %.0f tok/s  ETA %s   ", "#".repeat(filled), ".".repeat(width - filled),
                    step, total, emaLoss, tokPerS, hms(eta));
            out.flush();
        } else {
            long every = Math.max(1, total / 20);
            if (step % every != 0 && step != total && step != start + 1) return;
            out.printf("step %d/%d  loss %.4f  %.0f tok/s  elapsed %s  ETA %s%n", step, total, loss, tokPerS, hms(elapsed), hms(eta));
        }
        lastPrint = now;
    }

    /** A line that must not be overwritten by the bar. */
    void note(String line) {
        if (tty) out.print("\r" + " ".repeat(100) + "\r");
        out.println(line);
    }

    void finish(long reached) {
        if (tty) out.println();
        out.printf("%s: %d steps in %s%n", reached == total ? "done" : "stopped", reached - start, hms((System.nanoTime() - t0) / 1e9));
    }

    static String hms(double s) {
        long t = Math.round(s);
        return t >= 3600 ? String.format("%d:%02d:%02d", t / 3600, t / 60 % 60, t % 60) : String.format("%d:%02d", t / 60, t % 60);
    }
}
