package jgpt.tokenizer;

import jgpt.io.AtomicFiles;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import jgpt.UserError;
import jgpt.io.AtomicFiles;
import jgpt.data.TextChunks;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.CharBuffer;
import java.nio.charset.CharsetDecoder;
import java.nio.charset.CoderResult;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.BitSet;

/**
 * Saving, loading and naming tokenizers. tokenizer.json holds {@code "kind"} ("char", "gpt2", "bpe"),
 * {@code "vocab_size"} and the vocabulary: {@code "chars"} (one string per code point, in id order) for char,
 * {@code "merges"} ([[left, right], ...], merge i = id 256+i) for bpe, nothing more for gpt2.
 */
public final class Tokenizers {
    public static final String FILE = "tokenizer.json";
    private static final ObjectMapper JSON = new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT);

    private Tokenizers() {}

    /** Writes dir/tokenizer.json (crash-safe) and returns its path. */
    public static Path save(Path dir, Tokenizer t) {
        Path file = dir.resolve(FILE);
        saveFile(file, t);
        return file;
    }

    /** Writes a tokenizer JSON file at exactly {@code file}. */
    public static void saveFile(Path file, Tokenizer t) {
        try {
            AtomicFiles.writeString(file, JSON.writeValueAsString(toJson(t)) + "\n");
        } catch (IOException e) {
            throw new UserError("cannot write " + file + ": " + e.getMessage(), e);
        }
    }

    public static ObjectNode toJson(Tokenizer t) {
        ObjectNode o = JSON.createObjectNode();
        o.put("kind", t.kind());
        o.put("vocab_size", t.vocabSize());
        switch (t) {
            case CharTokenizer c -> {
                ArrayNode a = o.putArray("chars");
                for (int cp : c.chars()) a.add(Character.toString(cp));
            }
            case Gpt2Tokenizer g -> o.put("encoding", "r50k_base");
            case BpeTokenizer b -> {
                o.put("pattern", "gpt2");
                ArrayNode a = o.putArray("merges");
                for (int[] m : b.merges()) a.addArray().add(m[0]).add(m[1]);
            }
            default -> throw new IllegalArgumentException("cannot save tokenizer of kind " + t.kind());
        }
        return o;
    }

    /**
     * Loads dir/tokenizer.json, or a tokenizer JSON file when {@code path} is a file. A directory without
     * tokenizer.json whose config.json says vocab_size 50257 (a GPT-2 checkpoint) gets the GPT-2 tokenizer.
     */
    public static Tokenizer load(Path path) {
        if (Files.isRegularFile(path)) return loadFile(path);
        if (!Files.isDirectory(path)) throw new UserError("tokenizer " + path + " does not exist");
        Path file = path.resolve(FILE);
        if (Files.isRegularFile(file)) return loadFile(file);
        Path config = path.resolve("config.json");
        if (Files.isRegularFile(config)) {
            try {
                JsonNode vocab = JSON.readTree(config.toFile()).get("vocab_size");
                if (vocab != null) return load(path, vocab.asInt());
            } catch (IOException e) {
                throw new UserError("cannot read " + config + ": " + e.getMessage(), e);
            }
        }
        throw new jgpt.InvalidSetting("tokenizer", "tokenizer needed: there is no " + FILE + " in " + path + "; give char, gpt2 or a tokenizer.json path");
    }

    /** Like {@link #load(Path)} for a model directory whose vocabulary size is known. */
    public static Tokenizer load(Path dir, int modelVocab) {
        Path file = dir.resolve(FILE);
        if (Files.isRegularFile(file)) return loadFile(file);
        if (modelVocab == Gpt2Tokenizer.VOCAB || modelVocab == paddedVocab(Gpt2Tokenizer.VOCAB)) return new Gpt2Tokenizer();
        throw new UserError("no " + FILE + " in " + dir + " and its vocabulary (" + modelVocab
                + ") is not GPT-2's: put the tokenizer.json the model was trained with into " + dir);
    }

    /**
     * The tokenizer of a model: {@link #load(Path, int)} for a model directory; for an llm.c checkpoint file, llm.c's
     * tokenizer file beside it ({@value LlmcTokenizerFile#NAME}) when its vocabulary fits the model, else a tokenizer.json
     * beside it, else GPT-2's for a GPT-2 vocabulary.
     */
    public static Tokenizer forModel(Path model, int modelVocab) {
        if (!Files.isRegularFile(model)) return load(model, modelVocab);
        Path dir = model.toAbsolutePath().getParent();
        Path bin = dir.resolve(LlmcTokenizerFile.NAME);
        if (Files.isRegularFile(bin)) {
            Tokenizer t = LlmcTokenizerFile.read(bin);
            if (t.vocabSize() <= modelVocab && modelVocab <= paddedVocab(t.vocabSize())) return t;
        }
        if (Files.isRegularFile(dir.resolve(FILE))) return loadFile(dir.resolve(FILE));
        if (modelVocab == Gpt2Tokenizer.VOCAB) return new Gpt2Tokenizer();
        throw new UserError("no tokenizer beside " + model + " (llm.c's " + LlmcTokenizerFile.NAME + " or a " + FILE + ") and its vocabulary ("
                + modelVocab + ") is not GPT-2's: put the tokenizer the model was trained with beside it");
    }

    private static Tokenizer loadFile(Path file) {
        JsonNode o;
        try {
            o = JSON.readTree(file.toFile());
        } catch (IOException e) {
            throw new UserError("cannot read tokenizer " + file + ": " + e.getMessage(), e);
        }
        if (o == null || !o.isObject() || !o.hasNonNull("kind")) throw new UserError(file + " is not a tokenizer file (no \"kind\")");
        String kind = o.get("kind").asText();
        Tokenizer t;
        try {
            t = switch (kind) {
                case "gpt2" -> new Gpt2Tokenizer();
                case "char" -> {
                    JsonNode a = o.get("chars");
                    if (a == null || !a.isArray()) throw new UserError(file + ": a char tokenizer needs a \"chars\" array");
                    int[] cps = new int[a.size()];
                    for (int i = 0; i < cps.length; i++) {
                        String s = a.get(i).asText();
                        if (s.codePointCount(0, s.length()) != 1) throw new UserError(file + ": chars[" + i + "] must be exactly one character, got \"" + s + "\"");
                        cps[i] = s.codePointAt(0);
                    }
                    yield new CharTokenizer(cps);
                }
                case "bpe" -> {
                    JsonNode a = o.get("merges");
                    if (a == null || !a.isArray()) throw new UserError(file + ": a bpe tokenizer needs a \"merges\" array");
                    int[][] m = new int[a.size()][];
                    for (int i = 0; i < m.length; i++) m[i] = new int[] {a.get(i).path(0).asInt(-1), a.get(i).path(1).asInt(-1)};
                    yield new BpeTokenizer(m);
                }
                default -> throw new UserError(file + ": unknown tokenizer kind \"" + kind + "\" (expected char, gpt2 or bpe)");
            };
        } catch (IllegalArgumentException e) {
            throw new UserError(file + " is corrupted: " + e.getMessage(), e);
        }
        JsonNode v = o.get("vocab_size");
        if (v != null && v.asInt() != t.vocabSize())
            throw new UserError(file + " says vocab_size " + v.asInt() + " but its vocabulary has " + t.vocabSize() + " entries: the file is corrupted");
        return t;
    }

    /** "gpt2", or a tokenizer file / directory. "char" needs a corpus: see {@link #byName(String, Path)}. */
    public static Tokenizer byName(String spec) { return byName(spec, null); }

    /** "char" (built from {@code corpus}'s characters), "gpt2", or a path to tokenizer.json or a directory holding one. */
    public static Tokenizer byName(String spec, Path corpus) {
        if (spec == null || spec.isBlank()) throw new UserError("no tokenizer given: " + KNOWN);
        switch (spec) {
            case "gpt2": return new Gpt2Tokenizer();
            case "char":
                if (corpus == null) throw new jgpt.InvalidSetting("tokenizer", "tokenizer char is built from a text: prepare the data with the char tokenizer and give its tokenizer.json");
                BitSet seen = new BitSet();
                TextChunks.forEach(corpus, TextChunks.ANY, chunk -> chunk.codePoints().forEach(seen::set));
                if (seen.isEmpty()) throw new UserError(corpus + " is empty: cannot build a char vocabulary from it");
                return CharTokenizer.fromCodePoints(seen);
            default:
                Path p = Path.of(spec);
                if (Files.exists(p)) return load(p);
                throw new UserError("unknown tokenizer '" + spec + "': " + KNOWN);
        }
    }

    public static final String KNOWN = "use char, gpt2, or the path of a tokenizer.json (or of a directory holding one)";

    /** llm.c pads GPT-2's 50257 to 50304: a multiple of 128 that is faster for matrix kernels. */
    public static int paddedVocab(int vocab) { return (vocab + 127) / 128 * 128; }

    /**
     * Fails unless {@code t} fits a model with {@code modelVocab} logits: equal, or the model's vocabulary is
     * the tokenizer's padded up to a multiple of 128 (llm.c's 50304 for GPT-2).
     */
    public static void checkCompatible(Tokenizer t, int modelVocab, String model) {
        int v = t.vocabSize();
        if (v == modelVocab || (v < modelVocab && modelVocab <= paddedVocab(v))) return;
        throw new UserError("tokenizer mismatch: the " + t.kind() + " tokenizer has " + v + " tokens but " + model + " has a vocabulary of "
                + modelVocab + ": use the tokenizer the model was trained with");
    }

    /** Bytes as text: valid UTF-8 decoded, every other byte shown as \xNN (a BPE token may hold part of a character). */
    public static String displayBytes(byte[] bytes) {
        CharsetDecoder dec = StandardCharsets.UTF_8.newDecoder()
                .onMalformedInput(CodingErrorAction.REPORT).onUnmappableCharacter(CodingErrorAction.REPORT);
        ByteBuffer in = ByteBuffer.wrap(bytes);
        CharBuffer out = CharBuffer.allocate(bytes.length * 4 + 4);
        StringBuilder sb = new StringBuilder();
        while (true) {
            CoderResult r = dec.decode(in, out, true);
            out.flip();
            sb.append(out);
            out.clear();
            if (r.isError()) {
                for (int i = 0; i < r.length(); i++) sb.append(String.format("\\x%02X", in.get() & 0xFF));
                continue;
            }
            if (!in.hasRemaining()) break;
        }
        return sb.toString();
    }

    /** A newline, or token 0 for a vocabulary without one. */
    public static int[] defaultPrompt(Tokenizer tok) {
        try {
            int[] ids = tok.encode("\n");
            if (ids.length > 0) return ids;
        } catch (jgpt.UserError notInVocabulary) {
            // a char vocabulary without '\n'
        }
        return new int[] {0};
    }
}
