package jgpt.cli;

import com.fasterxml.jackson.databind.ObjectMapper;
import jgpt.UserError;
import jgpt.inspect.Models;
import jgpt.inspect.ParamInventory;
import jgpt.model.Config;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

import java.nio.file.Path;
import java.util.concurrent.Callable;

/** {@code jgpt params}: the parameter inventory of a model, a preset, or a size given by flags; nothing is allocated. */
@Command(name = "params", mixinStandardHelpOptions = true,
        description = {"Count a model's parameters by kind (W_Q, W1, LayerNorm, ...) from its shape alone.",
                "Start from --model DIR, --preset NAME (default gpt2) and override sizes/variants with flags."})
public final class ParamsCommand implements Callable<Integer> {

    @Option(names = "--model", paramLabel = "DIR", description = "model directory (reads config.json)") Path model;
    @Option(names = "--preset", paramLabel = "NAME", description = "one of: ${COMPLETION-CANDIDATES}", completionCandidates = Presets.class) String preset;
    @Option(names = "--vocab", description = "vocabulary size V") Integer vocab;
    @Option(names = "--block", description = "context length T") Integer block;
    @Option(names = "--layers", description = "decoder blocks L") Integer layers;
    @Option(names = "--heads", description = "attention heads H") Integer heads;
    @Option(names = "--embd", description = "width C (d_model)") Integer embd;
    @Option(names = "--ffn", description = "FFN hidden width (default 4·embd)") Integer ffn;
    @Option(names = "--norm", description = "PRE or POST") Config.Norm norm;
    @Option(names = "--activation", description = "GELU or RELU") Config.Activation activation;
    @Option(names = "--positions", description = "LEARNED, SINUSOIDAL or ROPE") Config.Positions positions;
    @Option(names = "--tied", negatable = true, description = "output projection tied to W_embed") Boolean tied;
    @Option(names = "--bias", negatable = true, description = "biases in linear layers and LayerNorms") Boolean bias;
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
        Config c;
        if (model != null) c = Models.readConfig(model);
        else {
            String name = preset == null ? "gpt2" : preset;
            c = Config.PRESETS.get(name);
            if (c == null) throw new UserError("unknown preset '" + name + "': choose one of " + String.join(", ", Config.PRESETS.keySet()));
        }
        int e = embd != null ? embd : c.embd();
        // A new width without an explicit --ffn keeps the preset's FFN ratio.
        int f = ffn != null ? ffn : embd != null ? (int) ((long) c.ffn() * e / c.embd()) : c.ffn();
        try {
            return new Config(vocab != null ? vocab : c.vocab(), block != null ? block : c.block(), layers != null ? layers : c.layers(),
                    heads != null ? heads : c.heads(), e, f, norm != null ? norm : c.norm(), activation != null ? activation : c.activation(),
                    positions != null ? positions : c.positions(), tied != null ? tied : c.tied(), bias != null ? bias : c.bias(),
                    c.ropeTheta(), c.lnEps());
        } catch (IllegalArgumentException ex) {
            throw new UserError(ex.getMessage());
        }
    }
}
