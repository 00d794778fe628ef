package jgpt.cli;

import static org.junit.jupiter.api.Assertions.*;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** train --config / --recipe / --print-config: files of flags, the command line on top. */
class ConfigFileTest {
    @TempDir Path tmp;

    JsonNode printed(String... args) throws Exception {
        CliRun.Run r = CliRun.run(args);
        assertEquals(0, r.code(), r.out() + r.err());
        assertEquals("", r.err());
        return new ObjectMapper().readTree(r.out());
    }

    @Test void recipeThenConfigThenFlags() throws Exception {
        Path cfg = tmp.resolve("run.json");
        Files.writeString(cfg, "{\"recipe\": \"shakespeare-char\", \"steps\": 30, \"batch\": 4, \"untied\": true, \"no-bias\": false, \"_note\": \"x\"}");
        JsonNode c = printed("train", "--config", cfg.toString(), "--steps", "7", "--print-config");
        assertEquals(7, c.get("steps").asInt(), "the command line wins");
        assertEquals(4, c.get("batch").asInt(), "the config file beats the recipe");
        assertEquals(200, c.get("eval-batches").asInt(), "the recipe fills the rest");
        assertEquals("char", c.get("tokenizer").asText());
        assertTrue(c.get("untied").asBoolean());
        assertFalse(c.has("no-bias"));
        // what --print-config prints is itself a config file that resolves to the same
        Path again = tmp.resolve("again.json");
        Files.writeString(again, c.toString());
        assertEquals(c, printed("train", "--config", again.toString(), "--print-config"));
    }

    @Test void aRecipesSwitchCanBeTurnedOff() throws Exception {
        JsonNode fast = printed("train", "--recipe", "shakespeare-fast", "--print-config");
        assertTrue(fast.get("qk-norm").asBoolean() && fast.get("untied").asBoolean());
        JsonNode off = printed("train", "--recipe", "shakespeare-fast", "--qk-norm=false", "--print-config");
        assertFalse(off.has("qk-norm"), "the command line turns it off");
        assertTrue(off.get("untied").asBoolean());
        Path cfg = tmp.resolve("off.json");
        Files.writeString(cfg, "{\"recipe\": \"shakespeare-fast\", \"untied\": false}");
        JsonNode file = printed("train", "--config", cfg.toString(), "--print-config");
        assertFalse(file.has("untied"), "so does a config file");
        assertTrue(file.get("qk-norm").asBoolean());
    }

    @Test void theRecipeIsAFileInTheJarListedByHelp() throws Exception {
        JsonNode r = printed("train", "--recipe", "shakespeare-char", "--print-config");
        try (var in = ConfigFile.class.getResourceAsStream("/recipes/shakespeare-char.json")) {
            JsonNode file = new ObjectMapper().readTree(in);
            file.fieldNames().forEachRemaining(k -> {
                if (!k.startsWith("_")) assertEquals(file.get(k).asText(), r.get(k).asText(), k);
            });
        }
        assertTrue(CliRun.run("train", "--help").out().contains("shakespeare-char"));
    }

    @Test void aConfigTrainsLikeTheSameFlags() throws Exception {
        Path text = tmp.resolve("t.txt");
        Files.writeString(text, "to be or not to be, that is the question. ".repeat(40));
        Path cfg = tmp.resolve("tiny.json");
        Files.writeString(cfg, "{\"data\": \"" + text + "\", \"tokenizer\": \"char\", \"layers\": 1, \"heads\": 2, \"embd\": 8, \"batch\": 2, "
                + "\"block\": 8, \"steps\": 3, \"eval-every\": 0, \"threads\": 1, \"kernels\": \"naive\", \"cache\": \"" + tmp.resolve("c") + "\"}");
        CliRun.Run a = CliRun.run("train", "--config", cfg.toString(), "--out", tmp.resolve("a").toString(), "--json");
        CliRun.Run b = CliRun.run("train", "--data", text.toString(), "--tokenizer", "char", "--layers", "1", "--heads", "2", "--embd", "8",
                "--batch", "2", "--block", "8", "--steps", "3", "--eval-every", "0", "--threads", "1", "--kernels", "naive",
                "--cache", tmp.resolve("c").toString(), "--out", tmp.resolve("b").toString(), "--json");
        assertEquals(0, a.code(), a.err());
        assertEquals(0, b.code(), b.err());
        assertEquals(b.json().get("loss").asDouble(), a.json().get("loss").asDouble(), 0.0);
    }

    @Test void mistakesAreOneLine() throws Exception {
        Path bad = tmp.resolve("bad.json");
        Files.writeString(bad, "{\"bogus\": 1}");
        assertTrue(CliRun.fails("train", "--config", bad.toString()).contains("'bogus' in " + bad + " is not a train flag"));
        Files.writeString(bad, "{\"steps\": ");
        assertTrue(CliRun.fails("train", "--config", bad.toString()).contains("not valid JSON"));
        Files.writeString(bad, "[1, 2]");
        assertTrue(CliRun.fails("train", "--config", bad.toString()).contains("one JSON object"));
        assertTrue(CliRun.fails("train", "--config", tmp.resolve("none.json").toString()).contains("no such file"));
        assertTrue(CliRun.fails("train", "--recipe", "nope").contains("shakespeare-char"));
        Files.writeString(bad, "{\"untied\": \"yes\"}");
        assertTrue(CliRun.fails("train", "--config", bad.toString()).contains("true or false"));
        Files.writeString(bad, "{\"batch\": 0}");
        assertEquals("jgpt: --batch must be positive, got 0", CliRun.fails("train", "--config", bad.toString(), "--data", "synthetic:copy"));
    }
}
