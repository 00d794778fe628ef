package jgpt.inspect;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import jgpt.cli.Main;
import jgpt.model.Config;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.lang.management.ManagementFactory;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

import static org.junit.jupiter.api.Assertions.*;

class ParamInventoryTest {

    // ---- closed forms, written from the architecture (not from the code under test) ------------------
    static long attention(Config c) { long C = c.embd(); return c.layers() * (4 * C * C + (c.bias() ? 4 * C : 0)); }
    static long ffn(Config c) { long C = c.embd(), F = c.ffn(); return c.layers() * (2 * C * F + (c.bias() ? F + C : 0)); }
    static long norms(Config c) {
        long perNorm = c.embd() * (c.bias() ? 2L : 1L);                       // gain (+ bias)
        return (2L * c.layers() + (c.norm() == Config.Norm.PRE ? 1 : 0)) * perNorm;   // two per block, + final for pre-LN
    }
    static long embeddings(Config c) {
        long VC = (long) c.vocab() * c.embd();
        return VC + (c.positions() == Config.Positions.LEARNED ? (long) c.block() * c.embd() : 0) + (c.tied() ? 0 : VC);
    }
    static long total(Config c) { return attention(c) + ffn(c) + norms(c) + embeddings(c); }
    /** GPT-2 family: V·C + T·C + L·(12C² + 13C) + 2C. */
    static long gpt2Total(Config c) {
        long V = c.vocab(), T = c.block(), L = c.layers(), C = c.embd();
        return V * C + T * C + L * (12 * C * C + 13 * C) + 2 * C;
    }

    static List<Config> variants() {
        List<Config> out = new ArrayList<>(Config.PRESETS.values());
        for (Config.Norm n : Config.Norm.values())
            for (Config.Positions p : Config.Positions.values())
                for (boolean tied : new boolean[]{true, false})
                    for (boolean bias : new boolean[]{true, false})
                        out.add(new Config(300, 40, 3, 4, 48, 100, n, Config.Activation.RELU, p, tied, bias, 10000, 1e-5));
        return out;
    }

    @Test void everyPresetAndVariantMatchesClosedForms() {
        for (Config c : variants()) {
            ParamInventory inv = ParamInventory.of(c);
            assertEquals(attention(c), inv.attention, "attention " + c);
            assertEquals(ffn(c), inv.ffn, "ffn " + c);
            assertEquals(norms(c), inv.norms, "norms " + c);
            assertEquals(embeddings(c), inv.embeddings, "embeddings " + c);
            assertEquals(total(c), inv.total, "total " + c);
            assertEquals(inv.total, inv.rows.stream().mapToLong(ParamInventory.Row::count).sum(), "rows add up");
        }
        for (String name : List.of("gpt2", "gpt2-medium", "gpt2-large", "gpt2-xl", "gpt3", "shakespeare-char"))
            assertEquals(gpt2Total(Config.preset(name)), ParamInventory.of(Config.preset(name)).total, name);
    }

    @Test void seedFigures() {
        assertEquals(124_439_808L, ParamInventory.of(Config.preset("gpt2")).total);   // Hugging Face's gpt2 count
        assertEquals(774, Math.round(ParamInventory.of(Config.preset("gpt2-large")).total / 1e6));
        ParamInventory g3 = ParamInventory.of(Config.preset("gpt3"));
        assertEquals(175, Math.round(g3.total / 1e9));
        assertEquals(58, Math.round(g3.attention / 1e9));                               // seed 002: "nearly 58 billion"
        assertTrue(Math.abs(g3.share(g3.attention) - 1.0 / 3) < 0.01, "about a third");
        // The GPT-2 paper's 117M / 345M / 762M / 1542M are what GPT-1's 40,478-token vocabulary gives.
        String[] sizes = {"gpt2", "gpt2-medium", "gpt2-large", "gpt2-xl"};
        long[] paper = {117, 345, 762, 1542};
        for (int i = 0; i < sizes.length; i++) {
            Config c = Config.preset(sizes[i]).withVocab(ParamInventory.GPT1_VOCAB);
            assertEquals(paper[i], Math.round(ParamInventory.of(c).total / 1e6), sizes[i]);
        }
        assertTrue(ParamInventory.of(Config.preset("gpt2")).notes().get(0).contains("116.9M"));
    }

    @Test void tiedAndFixedPositionsExplainTheirZeroRows() {
        ParamInventory tb = ParamInventory.of(Config.preset("textbook"));
        assertTrue(tb.rows.stream().anyMatch(r -> r.note().contains("sinusoidal") && r.count() == 0));
        ParamInventory g2 = ParamInventory.of(Config.preset("gpt2"));
        assertTrue(g2.rows.stream().anyMatch(r -> r.note().equals("tied to W_embed")));
        assertTrue(g2.table().contains("12 × (768, 768)"));
    }

    @Test void gpt3InventoryAllocatesNoParameterMemory() {
        var mx = (com.sun.management.ThreadMXBean) ManagementFactory.getThreadMXBean();
        long tid = Thread.currentThread().threadId();
        ParamInventory.of(Config.preset("gpt2"));                                         // warm up class loading
        long before = mx.getThreadAllocatedBytes(tid);
        ParamInventory inv = ParamInventory.of(Config.preset("gpt3"));
        String table = inv.table();
        long allocated = mx.getThreadAllocatedBytes(tid) - before;
        assertEquals(total(Config.preset("gpt3")), inv.total);
        assertTrue(table.contains("96 × (12288, 12288)"));
        assertTrue(allocated < 4L << 20, "allocated " + allocated + " bytes for a 175B inventory");
    }

    @Test void cliJsonLastLineAndModelDir(@TempDir Path dir) throws Exception {
        JsonNode j = lastJson("params", "--preset", "gpt3", "--json");
        assertEquals(gpt2Total(Config.preset("gpt3")), j.get("total").asLong());
        assertEquals(attention(Config.preset("gpt3")), j.get("groups").get("attention").asLong());

        // Flags override the preset: GPT-2 small with a separate W_vocab adds exactly V·C.
        Config g = Config.preset("gpt2");
        assertEquals(gpt2Total(g) + (long) g.vocab() * g.embd(), lastJson("params", "--untied", "--json").get("total").asLong());

        Files.writeString(dir.resolve("config.json"), """
                {"model_type": "gpt2", "vocab_size": 65, "n_positions": 64, "n_layer": 4, "n_head": 4, "n_embd": 128,
                 "n_inner": null, "activation_function": "gelu_new", "layer_norm_epsilon": 1e-5}""");
        assertEquals(Config.preset("shakespeare-char"), Models.readConfig(dir));
        assertEquals(gpt2Total(Config.preset("shakespeare-char")), lastJson("params", "--model", dir.toString(), "--json").get("total").asLong());
        assertEquals(2, Main.run("params", "--model", dir.resolve("missing").toString()));
    }

    static JsonNode lastJson(String... args) throws Exception {
        PrintStream old = System.out;
        ByteArrayOutputStream buf = new ByteArrayOutputStream();
        System.setOut(new PrintStream(buf, true, StandardCharsets.UTF_8));
        int rc;
        try { rc = Main.run(args); } finally { System.setOut(old); }
        assertEquals(0, rc, buf.toString(StandardCharsets.UTF_8));
        String[] lines = buf.toString(StandardCharsets.UTF_8).strip().split("\n");
        return new ObjectMapper().readTree(lines[lines.length - 1]);
    }
}
