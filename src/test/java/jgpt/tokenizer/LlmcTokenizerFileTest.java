package jgpt.tokenizer;

import jgpt.UserError;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;

import static org.junit.jupiter.api.Assertions.*;

class LlmcTokenizerFileTest {
    @TempDir Path tmp;

    /** A tokenizer file built here from the format's description: header, then length byte + bytes per token. */
    static byte[] file(int version, int n, int eot, byte[]... tokens) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        ByteBuffer h = ByteBuffer.allocate(1024).order(ByteOrder.LITTLE_ENDIAN);
        h.putInt(0, 20240328).putInt(4, version).putInt(8, n).putInt(12, eot);
        out.writeBytes(h.array());
        for (byte[] t : tokens) { out.write(t.length); out.writeBytes(t); }
        return out.toByteArray();
    }

    static byte[] b(String s) { return s.getBytes(StandardCharsets.UTF_8); }

    @Test
    void gpt2RoundTripsAndReadsBackAsGpt2() throws IOException {
        Path f = tmp.resolve("gpt2_tokenizer.bin");
        byte[][] toks = LlmcTokenizerFile.gpt2Tokens();
        assertArrayEquals(b("<|endoftext|>"), toks[50256]);
        assertArrayEquals(b("!"), toks[0]);
        LlmcTokenizerFile.write(f, toks, Gpt2Tokenizer.EOT);
        // version 2 header, then each token as length + bytes, nothing more
        long size = 1024 + Arrays.stream(toks).mapToLong(t -> 1 + t.length).sum();
        assertEquals(size, Files.size(f));
        assertInstanceOf(Gpt2Tokenizer.class, LlmcTokenizerFile.read(f));
        // a version 1 file (no EOT field) is GPT-2's too
        byte[] v1 = Files.readAllBytes(f);
        ByteBuffer.wrap(v1).order(ByteOrder.LITTLE_ENDIAN).putInt(4, 1).putInt(12, 0);
        assertInstanceOf(Gpt2Tokenizer.class, LlmcTokenizerFile.read(Files.write(tmp.resolve("v1.bin"), v1)));
        // one changed token: no longer GPT-2's, still decodes
        byte[][] other = toks.clone();
        other[3] = b("$$");
        LlmcTokenizerFile.write(f, other, Gpt2Tokenizer.EOT);
        Tokenizer t = LlmcTokenizerFile.read(f);
        assertEquals("llmc", t.kind());
        assertEquals("$$!", t.decode(new int[] {3, 0}));
        assertThrows(UserError.class, () -> t.encode("hello"));
    }

    @Test
    void aVocabularyOfSingleCharactersAlsoEncodes() throws IOException {
        Tokenizer t = LlmcTokenizerFile.read(Files.write(tmp.resolve("c.bin"), file(2, 3, 0, b("\n"), b("é"), b("a"))));
        assertArrayEquals(new int[] {2, 1, 0}, t.encode("aé\n"));
        assertEquals("aé\n", t.decode(new int[] {2, 1, 0}));
        assertEquals(3, t.vocabSize());
        assertTrue(assertThrows(UserError.class, () -> t.encode("z")).getMessage().contains("'z'"));
        // two ids for one character: ambiguous, so it only decodes
        Tokenizer dup = LlmcTokenizerFile.read(Files.write(tmp.resolve("d.bin"), file(2, 2, 0, b("a"), b("a"))));
        assertThrows(UserError.class, () -> dup.encode("a"));
    }

    String fails(byte[] bytes) throws IOException {
        Path f = Files.write(tmp.resolve("bad.bin"), bytes);
        String msg = assertThrows(UserError.class, () -> LlmcTokenizerFile.read(f)).getMessage();
        assertTrue(msg.startsWith(f + ": "), msg);
        return msg;
    }

    @Test
    void hostileFilesAreRefusedNamingTheField() throws IOException {
        byte[] ok = file(2, 2, 1, b("a"), b("bc"));
        assertEquals(2, LlmcTokenizerFile.readContents(Files.write(tmp.resolve("ok.bin"), ok)).tokens().length);
        byte[] magic = ok.clone();
        magic[0] ^= 1;
        assertTrue(fails(magic).contains("header[0] (magic)"));
        assertTrue(fails(new byte[3]).contains("header[0] (magic) is missing"));
        assertTrue(fails(Arrays.copyOf(ok, 500)).contains("truncated"));
        assertTrue(fails(file(3, 2, 1, b("a"), b("bc"))).contains("header[1] (version) is 3"));
        assertTrue(fails(file(2, 0, 0)).contains("header[2] (vocabulary size) is 0"));
        assertTrue(fails(file(2, 2_000_000_000, 1, b("a"), b("bc"))).contains("at most 2 tokens"));   // never allocated
        assertTrue(fails(file(1, 2, 0, b("a"), b("bc"))).contains("version 1 file is GPT-2's"));
        assertTrue(fails(file(2, 2, 2, b("a"), b("bc"))).contains("header[3] (end-of-text id) is 2"));
        assertTrue(fails(file(2, 2, -1, b("a"), b("bc"))).contains("header[3] (end-of-text id) is -1"));
        assertTrue(fails(file(2, 2, 0, b("a"), new byte[0], b("x"))).contains("token 1 has length 0"));
        assertTrue(fails(Arrays.copyOf(ok, ok.length - 1)).contains("truncated inside token 1"));
        assertTrue(fails(file(2, 3, 0, b("a"), b("bcdef"))).contains("truncated: the header promises 3 tokens, the file ends after 2"));
        assertTrue(fails(file(2, 2, 1, b("a"), b("bc"), b("d"))).contains("bytes after the last"));
    }
}
