package jgpt.torture;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.Random;

/**
 * Damages a file's bytes the ways files get damaged (truncated, bits flipped, extended, overwritten) and the
 * ways a hostile writer would (header fields huge, negative or zero; offsets overlapping or out of range;
 * NaN/Inf floats; wrong JSON types; duplicate or missing keys; non-UTF-8). Each call returns the new bytes and
 * a short label of what was done (the kind, for the tallies in RELIABILITY.md).
 */
final class Mutator {
    enum Format { SAFETENSORS, JSON, LLMC_TOKENS, NANOGPT_TOKENS }

    record Mutation(String kind, byte[] bytes) {}

    private static final ObjectMapper JSON = new ObjectMapper();
    private static final JsonNodeFactory F = JsonNodeFactory.instance;
    private final Random r;

    Mutator(Random r) { this.r = r; }

    Mutation mutate(Format f, byte[] in) {
        // a third generic byte damage, the rest aware of the format
        if (r.nextInt(3) == 0) return generic(in);
        return switch (f) {
            case SAFETENSORS -> safetensors(in);
            case JSON -> json(in);
            case LLMC_TOKENS -> llmc(in);
            case NANOGPT_TOKENS -> nanogpt(in);
        };
    }

    // ---------------------------------------------------------------------------------------------- generic

    Mutation generic(byte[] in) {
        int n = in.length;
        switch (r.nextInt(6)) {
            case 0 -> { return new Mutation("truncate", Arrays.copyOf(in, n == 0 ? 0 : r.nextInt(n))); }
            case 1 -> {
                byte[] b = in.clone();
                int flips = 1 + r.nextInt(16);
                for (int i = 0; i < flips && n > 0; i++) { int at = pos(n); b[at] ^= (byte) (1 << r.nextInt(8)); }
                return new Mutation("bit flips", b);
            }
            case 2 -> {
                byte[] b = Arrays.copyOf(in, n + 1 + r.nextInt(4096));
                for (int i = n; i < b.length; i++) b[i] = r.nextBoolean() ? 0 : (byte) r.nextInt();
                return new Mutation("extend", b);
            }
            case 3 -> {
                byte[] b = in.clone();
                if (n == 0) return new Mutation("overwrite", b);
                int at = pos(n), len = Math.min(n - at, 1 + r.nextInt(64));
                byte v = switch (r.nextInt(3)) { case 0 -> 0; case 1 -> (byte) 0xFF; default -> (byte) r.nextInt(); };
                Arrays.fill(b, at, at + len, v);
                return new Mutation("overwrite", b);
            }
            case 4 -> {   // bytes that are not UTF-8 (a lone continuation byte, an overlong form, 0xFF) spliced in
                byte[][] bad = {{(byte) 0xC3, 0x28}, {(byte) 0xFF}, {(byte) 0xC0, (byte) 0x80}, {(byte) 0xED, (byte) 0xA0, (byte) 0x80}, {(byte) 0x80}};
                byte[] ins = bad[r.nextInt(bad.length)];
                int at = n == 0 ? 0 : r.nextInt(n + 1);
                byte[] b = new byte[n + ins.length];
                System.arraycopy(in, 0, b, 0, at);
                System.arraycopy(ins, 0, b, at, ins.length);
                System.arraycopy(in, at, b, at + ins.length, n - at);
                return new Mutation("non-UTF-8", b);
            }
            default -> { return new Mutation("empty", new byte[0]); }
        }
    }

    private int pos(int n) { return r.nextInt(Math.max(1, n)); }

    // ---------------------------------------------------------------------------------------------- safetensors

    static final long[] HUGE = {0, -1, 1, Integer.MAX_VALUE, Integer.MIN_VALUE, 1L << 31, 1L << 32, Long.MAX_VALUE, Long.MIN_VALUE, 1L << 40};

    Mutation safetensors(byte[] in) {
        ByteBuffer bb = ByteBuffer.wrap(in).order(ByteOrder.LITTLE_ENDIAN);
        long n = in.length >= 8 ? bb.getLong(0) : 0;
        if (in.length < 8 || n < 2 || 8 + n > in.length) return generic(in);
        int choice = r.nextInt(4);
        if (choice == 0) {                     // the header length field
            byte[] b = in.clone();
            long v = r.nextBoolean() ? HUGE[r.nextInt(HUGE.length)] : n + r.nextInt(17) - 8;
            ByteBuffer.wrap(b).order(ByteOrder.LITTLE_ENDIAN).putLong(0, v);
            return new Mutation("header length " + (v == n ? "same" : v < 0 ? "negative" : v == 0 ? "zero" : v > in.length ? "huge" : "shifted"), b);
        }
        if (choice == 1) {                     // NaN / Inf / huge floats in the data
            byte[] b = in.clone();
            int data = (int) (8 + n), floats = (b.length - data) / 4;
            if (floats == 0) return generic(in);
            float[] vals = {Float.NaN, Float.POSITIVE_INFINITY, Float.NEGATIVE_INFINITY, Float.MAX_VALUE, -Float.MAX_VALUE, Float.MIN_VALUE};
            int count = 1 + (r.nextInt(4) == 0 ? r.nextInt(floats) : r.nextInt(4));
            for (int i = 0; i < count; i++)
                ByteBuffer.wrap(b).order(ByteOrder.LITTLE_ENDIAN).putFloat(data + 4 * r.nextInt(floats), vals[r.nextInt(vals.length)]);
            return new Mutation("NaN/Inf floats", b);
        }
        // the JSON header, rewritten with a consistent length field
        String head = new String(in, 8, (int) n, StandardCharsets.UTF_8);
        ObjectNode root;
        try {
            root = (ObjectNode) JSON.readTree(head);
        } catch (Exception e) {
            return generic(in);
        }
        List<String> tensors = new ArrayList<>();
        root.fieldNames().forEachRemaining(k -> { if (!k.equals("__metadata__")) tensors.add(k); });
        if (tensors.isEmpty()) return generic(in);
        String name = tensors.get(r.nextInt(tensors.size()));
        ObjectNode t = (ObjectNode) root.get(name);
        String kind;
        String text = null;
        switch (r.nextInt(9)) {
            case 0 -> {
                ArrayNode off = (ArrayNode) t.get("data_offsets");
                long b0 = off.get(0).asLong(), e0 = off.get(1).asLong();
                switch (r.nextInt(5)) {
                    case 0 -> { off.set(1, F.numberNode(HUGE[r.nextInt(HUGE.length)])); kind = "offsets: end huge/negative/zero"; }
                    case 1 -> { off.set(0, F.numberNode(HUGE[r.nextInt(HUGE.length)])); kind = "offsets: begin huge/negative/zero"; }
                    case 2 -> { off.set(0, F.numberNode(e0)); off.set(1, F.numberNode(b0)); kind = "offsets: reversed"; }
                    case 3 -> { long sh = r.nextInt(64) - 32; off.set(0, F.numberNode(b0 + sh)); off.set(1, F.numberNode(e0 + sh)); kind = "offsets: shifted (overlap or out of range)"; }
                    default -> {      // make it the same bytes as another tensor
                        ObjectNode o = (ObjectNode) root.get(tensors.get(r.nextInt(tensors.size())));
                        t.set("data_offsets", o.get("data_offsets").deepCopy());
                        t.set("shape", o.get("shape").deepCopy());
                        kind = "offsets: overlapping another tensor";
                    }
                }
            }
            case 1 -> {
                ArrayNode sh = (ArrayNode) t.get("shape");
                long v = HUGE[r.nextInt(HUGE.length)];
                if (sh.isEmpty() || r.nextInt(4) == 0) sh.add(v); else sh.set(r.nextInt(sh.size()), F.numberNode(v));
                kind = "shape: huge/negative/zero";
            }
            case 2 -> {
                t.putArray("shape").add(65536).add(65536).add(65536).add(65536);
                kind = "shape: product overflows";
            }
            case 3 -> {
                String[] dts = {"F16", "BF16", "F64", "I32", "U8", "BOOL", "F8_E4M3", "X", ""};
                if (r.nextInt(4) == 0) t.put("dtype", 32); else t.put("dtype", dts[r.nextInt(dts.length)]);
                kind = "dtype changed";
            }
            case 4 -> {
                String[] keys = {"dtype", "shape", "data_offsets"};
                if (r.nextBoolean()) { root.remove(name); kind = "missing tensor"; }
                else { t.remove(keys[r.nextInt(3)]); kind = "missing key"; }
            }
            case 5 -> {
                String[] keys = {"dtype", "shape", "data_offsets"};
                t.set(keys[r.nextInt(3)], wrongType(t.get(keys[r.nextInt(3)])));
                kind = "wrong JSON type";
            }
            case 6 -> {
                JsonNode meta = root.get("__metadata__");
                switch (r.nextInt(3)) {
                    case 0 -> root.set("__metadata__", wrongType(meta));
                    case 1 -> { ObjectNode m = root.putObject("__metadata__"); m.set("steps", wrongType(F.textNode("1"))); }
                    default -> { ObjectNode m = root.putObject("__metadata__"); m.put("steps", Long.toString(HUGE[r.nextInt(HUGE.length)])); }
                }
                kind = "metadata wrong";
            }
            case 7 -> {       // a duplicate key (JSON parsers disagree on which wins)
                String body = root.toString();
                String dup = JSON.valueToTree(Map.of(name, t)).toString();
                text = "{" + dup.substring(1, dup.length() - 1) + "," + body.substring(1);
                kind = "duplicate key";
            }
            default -> {
                ObjectNode extra = root.putObject("extra.tensor." + r.nextInt(100));
                extra.put("dtype", "F32");
                long len = r.nextInt(64) * 4L;
                extra.putArray("shape").add(len / 4);
                long b0 = r.nextInt(in.length);
                extra.putArray("data_offsets").add(b0).add(b0 + len);
                kind = "unknown tensor";
            }
        }
        return new Mutation("header: " + kind, rebuild(in, n, text != null ? text : root.toString()));
    }

    /** The file with its header replaced by {@code json} (length field set, padded to 8) and the same data. */
    private static byte[] rebuild(byte[] in, long oldLen, String json) {
        byte[] h = json.getBytes(StandardCharsets.UTF_8);
        int padded = (h.length + 7) / 8 * 8;
        int data = in.length - (int) (8 + oldLen);
        ByteBuffer b = ByteBuffer.allocate(8 + padded + data).order(ByteOrder.LITTLE_ENDIAN);
        b.putLong(padded).put(h);
        for (int i = h.length; i < padded; i++) b.put((byte) ' ');
        b.put(in, (int) (8 + oldLen), data);
        return b.array();
    }

    JsonNode wrongType(JsonNode was) {
        JsonNode[] alts = {F.textNode("x"), F.numberNode(1e308), F.numberNode(-1), F.numberNode(0), F.numberNode(2147483648L), F.numberNode(1.5),
                F.booleanNode(true), F.nullNode(), F.arrayNode(), F.objectNode(), F.textNode("NaN"), F.numberNode(Long.MAX_VALUE),
                F.arrayNode().add(1).add("a"), F.textNode("\u0000\uFFFF")};
        JsonNode v;
        do v = alts[r.nextInt(alts.length)]; while (was != null && v.equals(was));
        return v;
    }

    // ---------------------------------------------------------------------------------------------- JSON files

    Mutation json(byte[] in) {
        JsonNode root;
        try {
            root = JSON.readTree(in);
        } catch (Exception e) {
            return generic(in);
        }
        if (root == null || !root.isContainerNode() || root.isEmpty()) return generic(in);
        // pick a container and one of its members, at a random depth
        JsonNode parent = root;
        for (int depth = 0; depth < 4; depth++) {
            List<JsonNode> kids = new ArrayList<>();
            parent.elements().forEachRemaining(k -> { if (k.isContainerNode() && !k.isEmpty()) kids.add(k); });
            if (kids.isEmpty() || r.nextBoolean()) break;
            parent = kids.get(r.nextInt(kids.size()));
        }
        String kind;
        switch (r.nextInt(6)) {
            case 0, 1 -> {
                if (parent instanceof ObjectNode o) {
                    List<String> keys = new ArrayList<>();
                    o.fieldNames().forEachRemaining(keys::add);
                    String k = keys.get(r.nextInt(keys.size()));
                    o.set(k, wrongType(o.get(k)));
                } else {
                    ArrayNode a = (ArrayNode) parent;
                    int i = r.nextInt(a.size());
                    a.set(i, wrongType(a.get(i)));
                }
                kind = "wrong JSON type";
            }
            case 2 -> {
                if (parent instanceof ObjectNode o) {
                    List<String> keys = new ArrayList<>();
                    o.fieldNames().forEachRemaining(keys::add);
                    o.remove(keys.get(r.nextInt(keys.size())));
                    kind = "missing key";
                } else {
                    ((ArrayNode) parent).remove(r.nextInt(parent.size()));
                    kind = "missing element";
                }
            }
            case 3 -> {       // numbers huge/negative/zero
                List<ObjectNode> holders = new ArrayList<>();
                collectNumberHolders(root, holders);
                if (holders.isEmpty()) return generic(in);
                ObjectNode o = holders.get(r.nextInt(holders.size()));
                List<String> keys = new ArrayList<>();
                o.fields().forEachRemaining(e -> { if (e.getValue().isNumber()) keys.add(e.getKey()); });
                long v = HUGE[r.nextInt(HUGE.length)];
                o.put(keys.get(r.nextInt(keys.size())), r.nextInt(4) == 0 ? (double) v * 10 : v);
                kind = "number huge/negative/zero";
            }
            case 4 -> {       // a duplicate key, spliced in as text
                if (!(root instanceof ObjectNode o)) return generic(in);
                List<String> keys = new ArrayList<>();
                o.fieldNames().forEachRemaining(keys::add);
                String k = keys.get(r.nextInt(keys.size()));
                String body = o.toString();
                String dup = JSON.createObjectNode().set(k, wrongType(o.get(k))).toString();
                return new Mutation("duplicate key", ("{" + dup.substring(1, dup.length() - 1) + "," + body.substring(1)).getBytes(StandardCharsets.UTF_8));
            }
            default -> {
                if (r.nextBoolean()) return new Mutation("wrong JSON type", (r.nextBoolean() ? "[" + root + "]" : "\"" + r.nextInt() + "\"").getBytes(StandardCharsets.UTF_8));
                return new Mutation("deep nesting", ("[".repeat(100_000) + "]".repeat(100_000)).getBytes(StandardCharsets.UTF_8));
            }
        }
        return new Mutation(kind, root.toString().getBytes(StandardCharsets.UTF_8));
    }

    private static void collectNumberHolders(JsonNode n, List<ObjectNode> out) {
        if (n instanceof ObjectNode o) {
            boolean has = false;
            for (var it = o.elements(); it.hasNext(); ) { JsonNode v = it.next(); has |= v.isNumber(); collectNumberHolders(v, out); }
            if (has) out.add(o);
        } else if (n instanceof ArrayNode a) {
            for (JsonNode v : a) collectNumberHolders(v, out);
        }
    }

    // ---------------------------------------------------------------------------------------------- token files

    Mutation llmc(byte[] in) {
        if (in.length < 1024) return generic(in);
        byte[] b = in.clone();
        ByteBuffer bb = ByteBuffer.wrap(b).order(ByteOrder.LITTLE_ENDIAN);
        switch (r.nextInt(4)) {
            case 0 -> {
                int field = r.nextInt(3);
                int v = switch (r.nextInt(4)) { case 0 -> 0; case 1 -> -1; case 2 -> Integer.MAX_VALUE; default -> bb.getInt(4 * field) + r.nextInt(5) - 2; };
                bb.putInt(4 * field, v);
                return new Mutation("header: " + new String[] {"magic", "version", "count"}[field] + " " + (v <= 0 ? "zero/negative" : "huge/off by a few"), b);
            }
            case 1 -> { return new Mutation("token id out of vocabulary", outOfVocab(b, 1024)); }
            case 2 -> { return new Mutation("truncate", Arrays.copyOf(in, 1024 + r.nextInt(in.length - 1023))); }
            default -> { return new Mutation("header only", Arrays.copyOf(in, r.nextBoolean() ? 1024 : r.nextInt(1024))); }
        }
    }

    Mutation nanogpt(byte[] in) {
        switch (r.nextInt(3)) {
            case 0 -> { return new Mutation("odd length", Arrays.copyOf(in, Math.max(1, in.length - 1 - 2 * r.nextInt(Math.max(1, in.length / 2))))); }
            case 1 -> { return new Mutation("token id out of vocabulary", outOfVocab(in.clone(), 0)); }
            default -> {
                byte[] b = Arrays.copyOf(in, Math.max(in.length, 1024));
                ByteBuffer.wrap(b).order(ByteOrder.LITTLE_ENDIAN).putInt(0, 20240520);
                return new Mutation("llm.c magic in a headerless file", b);
            }
        }
    }

    private byte[] outOfVocab(byte[] b, int from) {
        int tokens = (b.length - from) / 2;
        if (tokens == 0) return b;
        int[] ids = {65535, 65534, 32768, 256, 66, 65};
        for (int i = 0, k = 1 + r.nextInt(8); i < k; i++)
            ByteBuffer.wrap(b).order(ByteOrder.LITTLE_ENDIAN).putShort(from + 2 * r.nextInt(tokens), (short) ids[r.nextInt(ids.length)]);
        return b;
    }
}
