package jgpt.cli;

import jgpt.UserError;
import jgpt.inspect.Explainer;
import jgpt.inspect.Models;
import jgpt.inspect.ParamInventory;
import jgpt.model.Config;
import jgpt.model.GPT;
import jgpt.tensor.DType;
import picocli.CommandLine.Option;

import java.nio.file.Path;

/** Options shared by explain and probe: which model (a directory, or a randomly initialised preset) and its tokenizer. */
final class InspectModel {
    @Option(names = "--model", paramLabel = "DIR", description = "model directory (config.json, model.safetensors, tokenizer) or llm.c checkpoint file") Path model;
    @Option(names = "--preset", paramLabel = "NAME", description = "instead of --model: a preset with random GPT-2 init (untrained)") String preset;
    @Option(names = "--seed", defaultValue = "1337", description = "init seed for --preset (default ${DEFAULT-VALUE})") long seed;
    @Option(names = "--dtype", defaultValue = "F32", description = "F32 or F64 (F64 makes nudges exact to more digits)") DType dtype;

    /** A model, its tokenizer, and one line saying what it is. */
    record Loaded(GPT gpt, Explainer.Vocab vocab, String description) {}

    Loaded load() {
        if ((model == null) == (preset == null)) throw new UserError("give --model DIR or --preset NAME");
        if (model != null) {
            GPT g = Models.load(model, dtype);
            return new Loaded(g, Models.vocab(model, g.cfg), "model " + model + " (" + ParamInventory.human(g.layout.total) + " parameters)");
        }
        Config c = Config.PRESETS.get(preset);
        if (c == null) throw new UserError("unknown preset '" + preset + "': choose one of " + String.join(", ", Config.PRESETS.keySet()));
        Explainer.Vocab v = Models.vocab(null, c);      // before allocating: fail fast on a vocabulary we cannot tokenize
        GPT g = Models.random(c, dtype, seed);
        return new Loaded(g, v, "preset " + preset + " with random init (seed " + seed + ", " + ParamInventory.human(g.layout.total)
                + " parameters): untrained, so its predictions are noise");
    }
}
