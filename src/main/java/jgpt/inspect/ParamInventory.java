package jgpt.inspect;

import jgpt.model.Config;
import jgpt.model.ParamLayout;
import jgpt.model.ParamLayout.Kind;
import jgpt.model.ParamLayout.Spec;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.EnumMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * Where a model's parameters are, by kind (W_Q, W1, LayerNorm gain, ...), counted from {@link ParamLayout}
 * alone: offsets and sizes are longs and nothing is allocated, so GPT-3's 175B can be listed on a laptop.
 */
public final class ParamInventory {

    /**
     * One kind of parameter: {@code tensors} tensors of {@code shape} (e.g. 12 × (768, 768) for W_Q in GPT-2),
     * {@code count} numbers in all. {@code where} says which layers hold them; {@code note} explains a zero count.
     */
    public record Row(Kind kind, String label, int tensors, int[] shape, long count, String where, String note) {
        public String shapeText() {
            if (tensors == 0) return note;
            String s = "(" + String.join(", ", Arrays.stream(shape).mapToObj(Integer::toString).toList()) + ")";
            return tensors == 1 ? s : tensors + " × " + s;
        }
    }

    public final Config cfg;
    public final List<Row> rows;
    public final long attention, ffn, embeddings, norms, total;

    private ParamInventory(Config cfg, List<Row> rows, long attention, long ffn, long embeddings, long norms, long total) {
        this.cfg = cfg;
        this.rows = rows;
        this.attention = attention;
        this.ffn = ffn;
        this.embeddings = embeddings;
        this.norms = norms;
        this.total = total;
    }

    public static ParamInventory of(Config c) {
        ParamLayout layout = new ParamLayout(c);
        // Group the layout's tensors by kind, in the layout's own order (embedding, attention, FFN, ...).
        Map<Kind, List<Spec>> byKind = new EnumMap<>(Kind.class);
        for (Spec s : layout.specs()) byKind.computeIfAbsent(s.kind(), k -> new ArrayList<>()).add(s);

        List<Row> rows = new ArrayList<>();
        long att = 0, ffn = 0, emb = 0, norm = 0, sum = 0;
        for (Kind k : Kind.values()) {
            List<Spec> specs = byKind.get(k);
            if (specs == null) {
                String why = absentReason(c, k);
                boolean bias = k == Kind.LN_BIAS || k.name().startsWith("B");
                if (why == null || (bias && rows.stream().anyMatch(r -> r.note.equals(why)))) continue;   // one row for all biases
                String label = bias ? "biases (b_Q..b2, LN bias)" : k == Kind.POSITION_EMBEDDING ? "positions P" : k.label;
                rows.add(new Row(k, label, 0, new int[0], 0, "", why));
                continue;
            }
            long n = 0;
            int inLayers = 0, global = 0;
            for (Spec s : specs) { n += s.size(); if (s.layer() >= 0) inLayers++; else global++; }
            rows.add(new Row(k, k.label, specs.size(), specs.get(0).shape(), n, where(inLayers, global, c.layers()), ""));
            sum += n;
            if (k.attention()) att += n;
            else if (k.ffn()) ffn += n;
            else if (k.embedding()) emb += n;
            else if (k.norm()) norm += n;
        }
        if (sum != layout.total || att + ffn + emb + norm != sum)
            throw new IllegalStateException("inventory " + sum + " does not add up to layout total " + layout.total);
        return new ParamInventory(c, List.copyOf(rows), att, ffn, emb, norm, sum);
    }

    /** Why a kind that the seeds talk about has no parameters in this config (null: not worth a row). */
    private static String absentReason(Config c, Kind k) {
        return switch (k) {
            case VOCAB -> c.tied() ? "tied to W_embed" : null;
            case POSITION_EMBEDDING -> c.positions() == Config.Positions.SINUSOIDAL ? "fixed sinusoidal, not learned"
                    : c.positions() == Config.Positions.ROPE ? "RoPE rotates q, k: no parameters" : null;
            case BQ, BK, BV, BO, B1, B2, LN_BIAS -> c.bias() ? null : "none (bias off)";
            default -> null;
        };
    }

    private static String where(int inLayers, int global, int layers) {
        String s = "";
        if (inLayers > 0) s = inLayers == layers ? "each layer" : (inLayers / layers) + " per layer";
        if (global > 0) s = s.isEmpty() ? "once" : s + " + final";
        return s;
    }

    /** GPT-2 paper's Table 2 figures (millions) for the four released sizes, keyed by "layers×embd". */
    private static final Map<String, Integer> GPT2_PAPER = Map.of("12x768", 117, "24x1024", 345, "36x1280", 762, "48x1600", 1542);
    /** GPT-1's BPE vocabulary, which the GPT-2 paper's counts appear to have used. */
    static final int GPT1_VOCAB = 40_478;

    /** One-line remarks that tie this inventory to the published figures (empty for other configs). */
    public List<String> notes() {
        List<String> out = new ArrayList<>();
        Config c = cfg;
        boolean gpt2Arch = c.equals(Config.gpt2(c.vocab(), c.block(), c.layers(), c.heads(), c.embd()));
        Integer paper = GPT2_PAPER.get(c.layers() + "x" + c.embd());
        if (gpt2Arch && paper != null && c.vocab() == 50257 && c.block() == 1024) {
            long withGpt1Vocab = of(c.withVocab(GPT1_VOCAB)).total;
            out.add(String.format(Locale.ROOT, "GPT-2 paper says %dM: OpenAI's gpt-2 README calls its original counts \"wrong due to an error\"; "
                    + "with GPT-1's %,d-token vocabulary instead of %,d this formula gives %s (our arithmetic, not OpenAI's statement).",
                    paper, GPT1_VOCAB, c.vocab(), human(withGpt1Vocab)));
        }
        if (gpt2Arch && c.layers() == 96 && c.embd() == 12288)
            out.add(String.format(Locale.ROOT, "GPT-3 175B: attention holds %s = %s of all parameters (seed 002: \"nearly 58 billion\", \"about a third\"); FFN %s.",
                    human(attention), pct(share(attention)), pct(share(ffn))));
        return out;
    }

    public double share(long n) { return total == 0 ? 0 : (double) n / total; }

    // ---- output ------------------------------------------------------------------------------------

    /** The human table: one row per kind, then the four groups and the total. */
    public String table() {
        StringBuilder sb = new StringBuilder();
        Config c = cfg;
        sb.append(String.format(Locale.ROOT, "V=%d T=%d L=%d H=%d C=%d F=%d  %s-LN, %s, %s positions, %s, %s%n",
                c.vocab(), c.block(), c.layers(), c.heads(), c.embd(), c.ffn(), c.norm(), c.activation().name().toLowerCase(Locale.ROOT),
                c.positions().name().toLowerCase(Locale.ROOT), c.tied() ? "tied output" : "separate W_vocab", c.bias() ? "biases" : "no biases"));
        int wLabel = 22, wShape = 32;
        for (Row r : rows) { wLabel = Math.max(wLabel, r.label.length()); wShape = Math.max(wShape, r.shapeText().length()); }
        String fmt = "%-" + wLabel + "s  %-" + wShape + "s  %-19s %17s %7s%n";
        sb.append(String.format(Locale.ROOT, fmt, "parameter", "shape", "where", "count", "share"));
        sb.append("-".repeat(wLabel + wShape + 19 + 17 + 7 + 6)).append('\n');
        for (Row r : rows)
            sb.append(String.format(Locale.ROOT, fmt, r.label, r.shapeText(), r.where, commas(r.count), r.tensors == 0 ? "" : pct(share(r.count))));
        sb.append("-".repeat(wLabel + wShape + 19 + 17 + 7 + 6)).append('\n');
        String gfmt = "%-" + (wLabel + wShape + 21) + "s %17s %7s   %s%n";
        for (Map.Entry<String, Long> g : groups().entrySet())
            sb.append(String.format(Locale.ROOT, gfmt, g.getKey(), commas(g.getValue()), pct(share(g.getValue())), human(g.getValue())));
        sb.append(String.format(Locale.ROOT, gfmt, "total", commas(total), "100.0%", human(total)));
        for (String n : notes()) sb.append("note: ").append(n).append('\n');
        return sb.toString();
    }

    /** The four groups in display order (their sum is the total). */
    public Map<String, Long> groups() {
        Map<String, Long> g = new LinkedHashMap<>();
        g.put("attention", attention);
        g.put("ffn", ffn);
        g.put("embeddings", embeddings);
        g.put("norms", norms);
        return g;
    }

    /** Everything as plain maps and lists, for Jackson. */
    public Map<String, Object> json() {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("config", configJson(cfg));
        List<Map<String, Object>> rs = new ArrayList<>();
        for (Row r : rows) {
            Map<String, Object> o = new LinkedHashMap<>();
            o.put("kind", r.kind.name().toLowerCase(Locale.ROOT));
            o.put("label", r.label);
            o.put("tensors", r.tensors);
            o.put("shape", r.shape);
            o.put("count", r.count);
            o.put("share", share(r.count));
            if (!r.where.isEmpty()) o.put("where", r.where);
            if (!r.note.isEmpty()) o.put("note", r.note);
            rs.add(o);
        }
        m.put("rows", rs);
        m.put("groups", groups());
        m.put("total", total);
        if (!notes().isEmpty()) m.put("notes", notes());
        return m;
    }

    public static Map<String, Object> configJson(Config c) {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("vocab", c.vocab()); m.put("block", c.block()); m.put("layers", c.layers()); m.put("heads", c.heads());
        m.put("embd", c.embd()); m.put("ffn", c.ffn()); m.put("norm", c.norm().name().toLowerCase(Locale.ROOT));
        m.put("activation", c.activation().name().toLowerCase(Locale.ROOT));
        m.put("positions", c.positions().name().toLowerCase(Locale.ROOT)); m.put("tied", c.tied()); m.put("bias", c.bias());
        return m;
    }

    static String commas(long n) { return String.format(Locale.ROOT, "%,d", n); }
    static String pct(double f) { return String.format(Locale.ROOT, "%.1f%%", 100 * f); }

    /** 124,439,808 -> "124.4M", 174,591,... -> "174.6B". */
    public static String human(long n) {
        if (n >= 1_000_000_000L) return String.format(Locale.ROOT, "%.1fB", n / 1e9);
        if (n >= 1_000_000L) return String.format(Locale.ROOT, "%.1fM", n / 1e6);
        if (n >= 1_000L) return String.format(Locale.ROOT, "%.1fK", n / 1e3);
        return Long.toString(n);
    }
}
