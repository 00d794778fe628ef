package jgpt.cli;

import com.fasterxml.jackson.databind.ObjectMapper;
import jgpt.UserError;
import jgpt.inspect.Models;
import jgpt.inspect.ParamInventory;
import jgpt.model.Config;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

import java.nio.file.Path;
import java.util.concurrent.Callable;

/** {@code jgpt params}: the parameter inventory of a model, a preset, or a size given by flags; nothing is allocated. */
@Command(name = "params", mixinStandardHelpOptions = true,
        description = {"Count a model's parameters by kind (W_Q, W1, LayerNorm, ...) from its shape alone.",
                "Start from --model DIR or --preset NAME (default gpt2) and override sizes/variants with train's shape flags."})
public final class ParamsCommand implements Callable<Integer> {

    @Option(names = "--model", paramLabel = "DIR", description = "model directory (reads config.json) or llm.c checkpoint file (reads its header)") Path model;
    @Option(names = "--preset", paramLabel = "NAME", description = "one of: ${COMPLETION-CANDIDATES}", completionCandidates = Presets.class) String preset;
    @Option(names = "--block", description = "context length T (same as --context)") Integer block;
    @Mixin ModelShape shape;
    @Option(names = "--json", description = "last line: one JSON object") boolean json;

    static final class Presets extends java.util.ArrayList<String> {
        Presets() { super(Config.PRESETS.keySet()); }
    }

    @Override public Integer call() throws Exception {
        ParamInventory inv = ParamInventory.of(config());
        System.out.print(inv.table());
        if (json) System.out.println(new ObjectMapper().writeValueAsString(inv.json()));
        return 0;
    }

    Config config() {
        if (model != null && preset != null) throw new UserError("give --model or --preset, not both");
        if (block != null && shape.context != null) throw new UserError("give --block or --context, not both");
        Config base;
        if (model != null) base = Models.readConfig(model);
        else {
            String name = preset == null ? "gpt2" : preset;
            base = Config.PRESETS.get(name);
            if (base == null) throw new UserError("unknown preset '" + name + "': choose one of " + String.join(", ", Config.PRESETS.keySet()));
        }
        if (block != null) shape.context = block;
        return shape.apply(base, 0, 0);
    }
}
