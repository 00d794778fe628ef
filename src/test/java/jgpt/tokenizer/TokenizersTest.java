package jgpt.tokenizer;

import jgpt.UserError;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;

import static org.junit.jupiter.api.Assertions.*;

class TokenizersTest {
    @Test void byName(@TempDir Path dir) throws Exception {
        assertInstanceOf(Gpt2Tokenizer.class, Tokenizers.byName("gpt2"));
        UserError e = assertThrows(UserError.class, () -> Tokenizers.byName("sentencepiece"));
        assertTrue(e.getMessage().contains("char, gpt2"), e.getMessage());
        assertThrows(UserError.class, () -> Tokenizers.byName("char"));
        Path corpus = dir.resolve("c.txt");
        Files.writeString(corpus, "banana");
        assertEquals(3, Tokenizers.byName("char", corpus).vocabSize());
        Tokenizers.save(dir, CharTokenizer.fromText("xyz"));
        assertEquals("char", Tokenizers.byName(dir.toString()).kind());
        assertEquals("char", Tokenizers.byName(dir.resolve("tokenizer.json").toString()).kind());
    }

    @Test void gpt2WhenAModelDirectoryHasNoTokenizerFile(@TempDir Path dir) throws Exception {
        Files.writeString(dir.resolve("config.json"), "{\"vocab_size\": 50257, \"n_layer\": 12}");
        assertEquals("gpt2", Tokenizers.load(dir).kind());
        assertEquals("gpt2", Tokenizers.load(dir, 50304).kind());
        assertThrows(UserError.class, () -> Tokenizers.load(dir, 65));
        Tokenizers.save(dir, new Gpt2Tokenizer());
        assertEquals("gpt2", Tokenizers.load(dir).kind());
    }

    @Test void detectsTokenizerModelMismatch() {
        Tokenizer chars = CharTokenizer.fromText("abc"), gpt2 = new Gpt2Tokenizer();
        Tokenizers.checkCompatible(chars, 3, "the model");
        Tokenizers.checkCompatible(gpt2, 50257, "the model");
        Tokenizers.checkCompatible(gpt2, 50304, "the model"); // llm.c's padded vocabulary
        UserError e = assertThrows(UserError.class, () -> Tokenizers.checkCompatible(gpt2, 65, "model out/"));
        assertTrue(e.getMessage().contains("50257") && e.getMessage().contains("65"), e.getMessage());
        assertThrows(UserError.class, () -> Tokenizers.checkCompatible(chars, 50257, "the model"));
        assertNotEquals(CharTokenizer.fromText("abc").signature(), CharTokenizer.fromText("abd").signature());
    }

    @Test void corruptFilesAreUserErrors(@TempDir Path dir) throws Exception {
        Path f = dir.resolve("t.json");
        Files.writeString(f, "{\"kind\": \"char\", \"vocab_size\": 3, \"chars\": [\"a\", \"b\"]}");
        assertTrue(assertThrows(UserError.class, () -> Tokenizers.load(f)).getMessage().contains("vocab_size 3"));
        Files.writeString(f, "{\"kind\": \"wordpiece\"}");
        assertTrue(assertThrows(UserError.class, () -> Tokenizers.load(f)).getMessage().contains("wordpiece"));
        Files.writeString(f, "not json");
        assertThrows(UserError.class, () -> Tokenizers.load(f));
        Files.writeString(f, "{\"kind\": \"bpe\", \"merges\": [[1, 999]]}");
        assertThrows(UserError.class, () -> Tokenizers.load(f));
        assertThrows(UserError.class, () -> Tokenizers.load(dir.resolve("missing")));
    }

    @Test void displayBytes() {
        assertEquals("héllo", Tokenizers.displayBytes("héllo".getBytes(StandardCharsets.UTF_8)));
        assertEquals("a\\xC3", Tokenizers.displayBytes(new byte[] {'a', (byte) 0xC3}));
        assertEquals("\\xFF\\xFEb", Tokenizers.displayBytes(new byte[] {(byte) 0xFF, (byte) 0xFE, 'b'}));
    }
}
