package jgpt.cli;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import jgpt.UserError;
import picocli.CommandLine;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Model.OptionSpec;
import picocli.CommandLine.Option;

/**
 * {@code --config FILE}, {@code --recipe NAME} and {@code --print-config} for a command that mixes this in.
 * A config file is a JSON object whose keys are the command's flags without dashes ({@code "weight-decay": 0.1});
 * a recipe is such a file shipped in the jar (recipes/NAME.json). Before parsing, {@link #expand} turns the recipe,
 * then the config file, into flags placed before the command line's own, so any flag works in a file and a flag
 * given on the command line overrides it (picocli keeps the last value).
 */
final class ConfigFile {
    @Option(names = "--config", paramLabel = "FILE", description = "JSON file of flags (keys = flag names without dashes); flags given here override it.")
    Path config;
    @Option(names = "--recipe", paramLabel = "NAME", completionCandidates = Recipes.class,
            description = "A config file shipped with jgpt: ${COMPLETION-CANDIDATES}. --config and flags override it.")
    String recipe;
    @Option(names = "--print-config", description = "Print the resolved configuration (recipe, config file and flags merged) as JSON and exit.")
    boolean printConfig;

    /** The recipe names (recipes/index.txt in the jar). */
    static final class Recipes extends ArrayList<String> {
        Recipes() {
            try (InputStream in = ConfigFile.class.getResourceAsStream("/recipes/index.txt")) {
                if (in != null) new String(in.readAllBytes(), StandardCharsets.UTF_8).lines().map(String::strip).filter(s -> !s.isEmpty()).forEach(this::add);
            } catch (IOException e) {
                throw new java.io.UncheckedIOException(e);
            }
        }
    }

    /** {@code args} (the command's name first) with --recipe and --config replaced by the flags their files hold. */
    static String[] expand(CommandSpec spec, String[] args) {
        List<String> rest = new ArrayList<>();
        String recipe = null, config = null;
        for (int i = 0; i < args.length; i++) {   // args[0], the command, is kept first
            String a = args[i];
            if ((a.equals("--recipe") || a.equals("--config")) && i + 1 < args.length) {
                if (a.equals("--recipe")) recipe = args[++i]; else config = args[++i];
            } else if (a.startsWith("--recipe=")) recipe = a.substring(9);
            else if (a.startsWith("--config=")) config = a.substring(9);
            else rest.add(a);
        }
        List<String> out = new ArrayList<>(rest.subList(0, 1));
        if (recipe != null) flags(spec, recipe(recipe), "recipe " + recipe, out);
        if (config != null) {
            ObjectNode c = read(Path.of(config));
            JsonNode inner = c.remove("recipe");         // a config file may start from a recipe
            if (inner != null && recipe == null) flags(spec, recipe(inner.asText()), "recipe " + inner.asText(), out);
            flags(spec, c, config, out);
        }
        out.addAll(rest.subList(1, rest.size()));
        return out.toArray(String[]::new);
    }

    static ObjectNode recipe(String name) {
        try (InputStream in = ConfigFile.class.getResourceAsStream("/recipes/" + name + ".json")) {
            if (in == null || name.contains("/"))
                throw new UserError("unknown --recipe '" + name + "': use " + String.join(", ", new Recipes()));
            return object(new ObjectMapper().readTree(in), "recipe " + name);
        } catch (IOException e) {
            throw new UserError("cannot read recipe " + name + ": " + e.getMessage());
        }
    }

    static ObjectNode read(Path file) {
        if (!Files.isRegularFile(file)) throw new UserError("--config " + file + ": no such file (give a JSON file of train flags)");
        try {
            return object(new ObjectMapper().readTree(file.toFile()), file.toString());
        } catch (IOException e) {
            throw new UserError("--config " + file + " is not valid JSON: " + e.getMessage().lines().findFirst().orElse(""));
        }
    }

    private static ObjectNode object(JsonNode n, String where) {
        if (!(n instanceof ObjectNode o)) throw new UserError(where + " must hold one JSON object of flags, e.g. {\"steps\": 100}");
        return o;
    }

    /** Appends the flags of one file's object; keys starting with '_' are comments. */
    private static void flags(CommandSpec spec, ObjectNode o, String where, List<String> out) {
        for (Iterator<Map.Entry<String, JsonNode>> it = o.fields(); it.hasNext(); ) {
            var e = it.next();
            String key = e.getKey();
            if (key.startsWith("_")) continue;
            OptionSpec opt = spec.findOption("--" + key);
            if (opt == null || key.equals("config") || key.equals("print-config"))
                throw new UserError("'" + key + "' in " + where + " is not a " + spec.name() + " flag (see 'jgpt " + spec.name() + " --help')");
            JsonNode v = e.getValue();
            if (v.isNull()) continue;
            if (opt.type() == boolean.class || opt.type() == Boolean.class) {   // a switch: true sets it; false unsets it
                if (!v.isBoolean()) throw new UserError("'" + key + "' in " + where + " is a switch: give true or false");
                if (v.asBoolean()) out.add("--" + key);
                else if (opt.arity().max() > 0) out.add("--" + key + "=false");      // over a recipe that sets it
                continue;
            }
            for (JsonNode item : v.isArray() ? v : List.of(v)) {
                if (item.isContainerNode()) throw new UserError("'" + key + "' in " + where + " must be a number, a string or a list of them");
                out.add("--" + key);
                out.add(item.asText());
            }
        }
    }

    /** The options of a parsed command that have a value, as a config file that reproduces them. */
    static String resolved(CommandSpec spec) {
        ObjectNode o = new ObjectMapper().createObjectNode();
        for (OptionSpec opt : spec.options()) {
            String key = opt.longestName().replaceFirst("^--?", "");
            if (opt.usageHelp() || opt.versionHelp() || key.equals("config") || key.equals("recipe") || key.equals("print-config")) continue;
            Object v = opt.getValue();
            if (v == null || Boolean.FALSE.equals(v)) continue;
            if (v instanceof Number || v instanceof Boolean) o.set(key, new ObjectMapper().valueToTree(v));
            else o.put(key, v.toString());
        }
        try {
            return new ObjectMapper().writerWithDefaultPrettyPrinter().writeValueAsString(o);
        } catch (IOException e) {
            throw new java.io.UncheckedIOException(e);
        }
    }

    /** Whether the parsed command asked for --print-config. */
    static boolean printRequested(CommandLine sub) {
        OptionSpec p = sub.getCommandSpec().findOption("--print-config");
        return p != null && Boolean.TRUE.equals(p.getValue());
    }
}
