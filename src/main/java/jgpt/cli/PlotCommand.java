package jgpt.cli;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import jgpt.UserError;
import jgpt.inspect.LossPlot;
import jgpt.inspect.RunMetrics;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Locale;
import java.util.concurrent.Callable;

/** {@code jgpt plot RUNDIR}: loss curves of a training run as a PNG, a terminal chart and a summary. */
@Command(name = "plot", mixinStandardHelpOptions = true, sortOptions = false,
        description = {"Plot a run's metrics.jsonl: training loss (per step and smoothed),",
                "validation loss, learning rate and gradient norm. Writes RUNDIR/loss.png,",
                "prints a terminal chart and a summary.",
                "Example: ./jgpt plot runs/shakespeare"})
public final class PlotCommand implements Callable<Integer> {

    @Parameters(paramLabel = "RUNDIR", description = "The --out directory of 'jgpt train' (or its metrics.jsonl).") Path run;
    @Option(names = "--out", paramLabel = "FILE.png", description = "Where to write the image (default RUNDIR/loss.png).") Path out;
    @Option(names = "--log", description = "Log scale for the loss axis (default: log only when the loss spans 10× or more).") boolean log;
    @Option(names = "--linear", description = "Linear loss axis even for a wide range.") boolean linear;
    @Option(names = "--size", paramLabel = "WxH", description = "Image size in pixels (default 1200x800).") String size = "1200x800";
    @Option(names = "--grad-norm", negatable = true, defaultValue = "true", fallbackValue = "true",
            description = "Draw the gradient norm panel (default on; --no-grad-norm to leave it out).") boolean gradNorm;
    @Option(names = "--cols", paramLabel = "N", description = "Terminal chart width in characters (default 60).") int cols = 60;
    @Option(names = "--rows", paramLabel = "N", description = "Terminal chart height in lines (default 10).") int rows = 10;
    @Option(names = "--json", description = "Last line: one JSON object with the summary and the PNG path.") boolean json;

    @Override public Integer call() throws Exception {
        if (log && linear) throw new UserError("give --log or --linear, not both");
        if (cols < 8 || cols > 400 || rows < 2 || rows > 100) throw new UserError("terminal chart must be 8..400 columns and 2..100 rows, got " + cols + "×" + rows);
        LossPlot.Options opts = options();
        RunMetrics m = RunMetrics.read(run);
        Path png = out != null ? out : (Files.isDirectory(run) ? run : run.toAbsolutePath().getParent()).resolve("loss.png");
        LossPlot.write(m, png, opts);

        RunMetrics.Summary s = m.summary();
        System.out.print(LossPlot.textChart(m, cols, rows, opts.log()));
        System.out.println();
        System.out.printf(Locale.ROOT, "run     %s  (%,d steps: %,d … %,d)%n", run, s.steps(), s.firstStep(), s.lastStep());
        System.out.printf(Locale.ROOT, "train   first %.4f  last %.4f  min %.4f at step %,d  EMA %.4f%n",
                s.firstLoss(), s.lastLoss(), s.minLoss(), s.minLossStep(), s.emaLoss());
        if (s.valPoints() > 0)
            System.out.printf(Locale.ROOT, "val     best %.4f at step %,d  last %.4f at step %,d  (%d evaluations)%n",
                    s.bestValLoss(), s.bestValStep(), s.lastValLoss(), s.lastValStep(), s.valPoints());
        else System.out.println("val     none (no val_loss in the metrics)");
        if (Double.isFinite(s.totalSeconds()))
            System.out.printf(Locale.ROOT, "speed   %,.0f tokens/s mean, %s tokens in %s of step time%n",
                    s.meanTokensPerS(), LossPlot.count(s.totalTokens()), LossPlot.duration(s.totalSeconds()));
        if (s.skippedLines() > 0 || s.supersededLines() > 0)
            System.out.printf(Locale.ROOT, "note    %d unreadable lines skipped, %d lines replaced by a resumed run%n", s.skippedLines(), s.supersededLines());
        System.out.println("png     " + png);

        if (json) {
            ObjectMapper om = new ObjectMapper();
            ObjectNode j = s.json(om);
            j.put("png", png.toString());
            j.put("width", opts.width());
            j.put("height", opts.height());
            System.out.println(om.writeValueAsString(j));
        }
        return 0;
    }

    LossPlot.Options options() {
        String[] wh = size.toLowerCase(Locale.ROOT).split("[x×]");
        int w, h;
        try {
            if (wh.length != 2) throw new NumberFormatException();
            w = Integer.parseInt(wh[0].strip());
            h = Integer.parseInt(wh[1].strip());
        } catch (NumberFormatException e) {
            throw new UserError("--size must look like 1200x800, got '" + size + "'");
        }
        if (w < 400 || h < 300 || w > 8000 || h > 8000) throw new UserError("--size must be between 400x300 and 8000x8000, got " + size);
        return new LossPlot.Options(w, h, log ? Boolean.TRUE : linear ? Boolean.FALSE : null, gradNorm);
    }
}
