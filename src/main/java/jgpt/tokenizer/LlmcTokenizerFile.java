package jgpt.tokenizer;

import jgpt.UserError;
import jgpt.io.AtomicFiles;

import java.io.BufferedInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.HashMap;
import java.util.Map;

/**
 * llm.c's tokenizer file (train_gpt2.py {@code write_tokenizer}, llmc/tokenizer.h): 256 little-endian int32 —
 * [0] magic 20240328, [1] version (1: GPT-2's, end-of-text 50256; 2: [3] holds the end-of-text id), [2] vocabulary
 * size — then each token as one length byte (1..255) followed by its bytes. It has no merge rules, so it decodes but
 * does not encode, except a vocabulary of single characters; a file holding exactly GPT-2's tokens is read as GPT-2's tokenizer.
 */
public final class LlmcTokenizerFile {
    private LlmcTokenizerFile() {}

    public static final int MAGIC = 20240328;
    /** The name llm.c's programs look for. */
    public static final String NAME = "gpt2_tokenizer.bin";
    private static final int HEADER_BYTES = 1024;

    /** The tokens' bytes, in id order, and the end-of-text id. */
    public record Contents(byte[][] tokens, int eot) {}

    /** Reads and checks the file; every problem is a one-line error naming the file and the field. */
    public static Contents readContents(Path file) {
        try (InputStream in = new BufferedInputStream(Files.newInputStream(file), 1 << 16)) {
            long size = Files.size(file);
            byte[] head = in.readNBytes(HEADER_BYTES);
            ByteBuffer h = ByteBuffer.wrap(Arrays.copyOf(head, HEADER_BYTES)).order(ByteOrder.LITTLE_ENDIAN);
            if (head.length < 4 || h.getInt(0) != MAGIC)
                throw bad(file, "not an llm.c tokenizer file: header[0] (magic) is " + (head.length < 4 ? "missing" : h.getInt(0)) + ", expected " + MAGIC);
            if (head.length < HEADER_BYTES) throw bad(file, "truncated: " + size + " bytes, shorter than the 1024-byte header");
            int version = h.getInt(4), n = h.getInt(8);
            if (version != 1 && version != 2) throw bad(file, "header[1] (version) is " + version + "; llm.c tokenizer files are version 1 or 2");
            // every token takes at least 2 bytes, so the file's size bounds the vocabulary before it is allocated
            if (n <= 0 || n > (size - HEADER_BYTES) / 2)
                throw bad(file, "header[2] (vocabulary size) is " + n + " but the " + (size - HEADER_BYTES) + " bytes after the header hold at most "
                        + (size - HEADER_BYTES) / 2 + " tokens");
            int eot = version == 1 ? Gpt2Tokenizer.EOT : h.getInt(12);
            if (version == 1 && n != Gpt2Tokenizer.VOCAB)
                throw bad(file, "header[2] (vocabulary size) is " + n + " but a version 1 file is GPT-2's " + Gpt2Tokenizer.VOCAB + " tokens");
            if (eot < 0 || eot >= n) throw bad(file, "header[3] (end-of-text id) is " + eot + ", outside the vocabulary [0, " + n + ")");
            byte[][] tokens = new byte[n][];
            for (int i = 0; i < n; i++) {
                int len = in.read();
                if (len < 0) throw bad(file, "truncated: the header promises " + n + " tokens, the file ends after " + i);
                if (len == 0) throw bad(file, "token " + i + " has length 0 (llm.c requires at least one byte)");
                tokens[i] = in.readNBytes(len);
                if (tokens[i].length < len) throw bad(file, "truncated inside token " + i + " of " + n);
            }
            if (in.read() >= 0) throw bad(file, "bytes after the last of the header's " + n + " tokens: the file is longer than its header says");
            return new Contents(tokens, eot);
        } catch (NoSuchFileException e) {
            throw new UserError(file + ": file not found");
        } catch (IOException e) {
            throw new UserError(file + ": cannot read (" + e.getMessage() + ")");
        }
    }

    /** The tokenizer of the file: GPT-2's when it holds exactly GPT-2's tokens, else one that only decodes. */
    public static Tokenizer read(Path file) {
        Contents c = readContents(file);
        if (c.eot == Gpt2Tokenizer.EOT && Arrays.deepEquals(c.tokens, gpt2Tokens())) return new Gpt2Tokenizer();
        return new Decoder(file, c.tokens);
    }

    /** GPT-2's tokens as bytes, id by id (what llm.c's write_tokenizer stores). */
    public static byte[][] gpt2Tokens() {
        Gpt2Tokenizer g = new Gpt2Tokenizer();
        byte[][] out = new byte[Gpt2Tokenizer.VOCAB][];
        for (int i = 0; i < out.length; i++) out[i] = g.decodeBytes(new int[] {i});
        return out;
    }

    /** Writes a version 2 file crash-safely. */
    public static void write(Path file, byte[][] tokens, int eot) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        ByteBuffer h = ByteBuffer.allocate(HEADER_BYTES).order(ByteOrder.LITTLE_ENDIAN);
        h.putInt(0, MAGIC).putInt(4, 2).putInt(8, tokens.length).putInt(12, eot);
        out.writeBytes(h.array());
        for (int i = 0; i < tokens.length; i++) {
            if (tokens[i].length == 0 || tokens[i].length > 255)
                throw new IllegalArgumentException("token " + i + " has " + tokens[i].length + " bytes; llm.c's file holds 1 to 255");
            out.write(tokens[i].length);
            out.writeBytes(tokens[i]);
        }
        try {
            AtomicFiles.write(file, out.toByteArray());
        } catch (IOException e) {
            throw new UserError(file + ": cannot write (" + e.getMessage() + ")");
        }
    }

    private static UserError bad(Path file, String msg) { return new UserError(file + ": " + msg); }

    /** A vocabulary known only as bytes: decodes; encodes only when every token is one character of its own. */
    static final class Decoder implements Tokenizer {
        private final Path file;
        private final byte[][] tokens;
        private final Map<Integer, Integer> charIds;    // code point -> id, or null when the tokens are not single characters

        Decoder(Path file, byte[][] tokens) {
            this.file = file;
            this.tokens = tokens;
            Map<Integer, Integer> ids = new HashMap<>();
            for (int i = 0; i < tokens.length && ids != null; i++) {
                String s = new String(tokens[i], StandardCharsets.UTF_8);
                boolean one = s.codePointCount(0, s.length()) == 1 && s.codePointAt(0) != 0xFFFD && Arrays.equals(s.getBytes(StandardCharsets.UTF_8), tokens[i]);
                if (!one || ids.put(s.codePointAt(0), i) != null) ids = null;
            }
            this.charIds = ids;
        }

        @Override public int[] encode(String text) {
            if (charIds == null)
                throw new UserError("the llm.c tokenizer file " + file + " only decodes (it holds no merge rules), so text cannot be turned into tokens; "
                        + "leave out the prompt or use a model whose tokenizer encodes");
            return text.codePoints().map(cp -> {
                Integer id = charIds.get(cp);
                if (id == null) throw new UserError("character '" + Character.toString(cp) + "' is not in the vocabulary of " + file);
                return id;
            }).toArray();
        }

        @Override public String decode(int[] ids) {
            ByteArrayOutputStream b = new ByteArrayOutputStream();
            for (int id : ids) b.writeBytes(tokens[check(id)]);
            return b.toString(StandardCharsets.UTF_8);
        }

        @Override public String tokenText(int id) { return Tokenizers.displayBytes(tokens[check(id)]); }
        @Override public int vocabSize() { return tokens.length; }
        @Override public String kind() { return "llmc"; }

        private int check(int id) {
            if (id < 0 || id >= tokens.length) throw new IllegalArgumentException("token id " + id + " outside [0, " + tokens.length + ")");
            return id;
        }
    }
}
