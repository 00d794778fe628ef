package jgpt.cli;

import com.fasterxml.jackson.databind.ObjectMapper;
import jgpt.inspect.Explainer;
import jgpt.inspect.Heatmap;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;

/** {@code jgpt explain}: seed 003's walk-through (forward, loss, P − onehot, gradients, nudges) with a real model's numbers. */
@Command(name = "explain", mixinStandardHelpOptions = true,
        description = {"One prompt through the model: next-token probabilities, loss −log P(target), the gradient at the logits",
                "(P − onehot), gradient norms of every weight matrix, each head's attention, and weight nudges."})
public final class ExplainCommand implements Callable<Integer> {
    @Mixin InspectModel src;
    @Option(names = "--prompt", required = true, description = "the text to continue") String prompt;
    @Option(names = "--target", paramLabel = "TOKEN", description = "the correct next token (exactly one token; default: the most likely)") String target;
    @Option(names = "--top", defaultValue = "10", description = "rows in the probability and gradient tables (default ${DEFAULT-VALUE})") int top;
    @Option(names = "--heads-top", defaultValue = "3", description = "attended tokens shown per head (default ${DEFAULT-VALUE})") int headsTop;
    @Option(names = "--png", paramLabel = "DIR", description = "write attention heatmaps: one PNG per layer × head plus attention_grid.png") Path png;
    @Option(names = "--nudge", paramLabel = "NAME[i,j]", description = "weight to move by ±epsilon, e.g. layer.0.wq[3,5] (row = input dim, column = output dim); repeatable") List<String> nudges = new ArrayList<>();
    @Option(names = "--epsilon", defaultValue = "1e-3", description = "nudge size (default ${DEFAULT-VALUE})") double epsilon;
    @Option(names = "--matrix", paramLabel = "LAYER.HEAD", description = "also print that head's full attention matrix as shaded blocks, e.g. 0.3; repeatable") List<String> matrices = new ArrayList<>();
    @Option(names = "--json", description = "last line: one JSON object") boolean json;

    @Override public Integer call() throws Exception {
        if (top < 1 || headsTop < 1) throw new jgpt.UserError("--top and --heads-top must be at least 1");
        InspectModel.Loaded m = src.load();
        System.out.println(m.description());
        List<int[]> heads = new ArrayList<>();
        for (String lh : matrices) heads.add(layerHead(lh, m.gpt().cfg.layers(), m.gpt().cfg.heads()));
        Explainer ex = new Explainer(m.gpt(), m.vocab());
        Explainer.Result r = ex.explain(prompt, target, top);
        List<Explainer.Nudge> done = new ArrayList<>();
        for (String n : nudges) done.add(ex.nudge(n, epsilon));
        System.out.print(ex.report(r, done, headsTop));
        for (int[] lh : heads) System.out.printf("%nattention matrix, layer %d head %d (row attends to column)%n%s",
                lh[0], lh[1], Heatmap.textMatrix(r.attention()[lh[0]][lh[1]], r.T(), r.texts()));
        List<Path> files = List.of();
        if (png != null) {
            files = Heatmap.writeAll(png, r.attention(), r.T(), r.texts(), "attention: \"" + Heatmap.title(prompt, 60) + "\"");
            System.out.println("\nwrote " + files.size() + " PNGs to " + png + " (attention_grid.png: all layers × heads)");
        }
        if (json) {
            Map<String, Object> j = ex.json(r, done);
            j.put("model", m.description());
            j.put("png", files.stream().map(Path::toString).toList());
            System.out.println(new ObjectMapper().writeValueAsString(j));
        }
        return 0;
    }

    static int[] layerHead(String s, int layers, int heads) {
        String[] p = s.split("\\.");
        try {
            int l = Integer.parseInt(p[0].strip()), h = Integer.parseInt(p[1].strip());
            if (p.length == 2 && l >= 0 && l < layers && h >= 0 && h < heads) return new int[]{l, h};
        } catch (RuntimeException ignored) { }
        throw new jgpt.UserError("--matrix '" + s + "': write LAYER.HEAD with layer < " + layers + " and head < " + heads);
    }
}
