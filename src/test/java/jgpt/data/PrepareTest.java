package jgpt.data;

import jgpt.TestData;
import jgpt.UserError;
import jgpt.tokenizer.CharTokenizer;
import jgpt.tokenizer.Gpt2Tokenizer;
import jgpt.tokenizer.Tokenizer;
import jgpt.tokenizer.Tokenizers;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;

import static org.junit.jupiter.api.Assertions.*;

class PrepareTest {
    @TempDir Path dir;

    @Test void charShakespeareMatchesNanoGpt() throws Exception {
        Path in = TestData.shakespeare();
        Prepare.Result r = Prepare.run(in, "char", 0.1, dir, false);
        // karpathy/nanoGPT data/shakespeare_char/prepare.py: vocab size 65, train 1,003,854 tokens, val 111,540 tokens
        assertEquals(65, r.tokenizer().vocabSize());
        assertEquals(1_003_854, r.trainTokens());
        assertEquals(111_540, r.valTokens());
        Tokenizer tok = Tokenizers.load(dir);
        assertInstanceOf(CharTokenizer.class, tok);
        try (TokenFile train = TokenFile.open(dir.resolve("train.bin")); TokenFile val = TokenFile.open(dir.resolve("val.bin"))) {
            assertEquals(TokenFile.Format.LLMC, train.format());
            assertEquals(Files.readString(in), tok.decode(train.toArray()) + tok.decode(val.toArray()));
        }
    }

    @Test void gpt2ShakespeareHasTheKnownTokenCount() throws Exception {
        Path in = TestData.shakespeare();
        Prepare.Result r = Prepare.run(in, "gpt2", 0.1, dir, false);
        // karpathy/nanoGPT data/shakespeare/readme.md: train.bin 301,966 + val.bin 36,059 GPT-2 tokens
        assertEquals(301_966 + 36_059, r.tokens());
        assertEquals((long) Math.floor(r.tokens() * 0.9), r.trainTokens(), "val is the last 10% of the tokens");
        String text = Files.readString(in);
        try (TokenFile train = TokenFile.open(r.train()); TokenFile val = TokenFile.open(r.val())) {
            int[] all = new int[(int) r.tokens()];
            train.read(0, all, 0, (int) train.size());
            val.read(0, all, (int) train.size(), (int) val.size());
            assertArrayEquals(new Gpt2Tokenizer().encode(text), all, "streamed chunks == whole-text encoding");
        }
        assertEquals("gpt2", Tokenizers.load(dir).kind());
    }

    @Test void zeroValFractionWritesOnlyTrain() throws Exception {
        Path in = dir.resolve("in.txt");
        Files.writeString(in, "hello world\n".repeat(10));
        Path out = dir.resolve("out");
        Prepare.run(in, "char", 0.5, out, false);
        assertTrue(Files.exists(out.resolve("val.bin")));
        Prepare.Result r = Prepare.run(in, "char", 0, out, false);
        assertNull(r.val());
        assertFalse(Files.exists(out.resolve("val.bin")), "a stale val.bin from an earlier split is removed");
        assertEquals(120, r.trainTokens());
        try (var s = Files.list(out)) { assertEquals(2, s.count(), "train.bin and tokenizer.json, no temp files"); }
    }

    @Test void usesAGivenTokenizerFile() throws Exception {
        Path in = dir.resolve("in.txt");
        Files.writeString(in, "abcabc");
        Path tokDir = dir.resolve("tok");
        Tokenizers.save(tokDir, CharTokenizer.fromText("abcdef"));
        Prepare.Result r = Prepare.run(in, tokDir.toString(), 0, dir.resolve("out"), false);
        assertEquals(6, r.tokenizer().vocabSize());
        Files.writeString(in, "abcxyz");
        UserError e = assertThrows(UserError.class, () -> Prepare.run(in, tokDir.toString(), 0, dir.resolve("out2"), false));
        assertTrue(e.getMessage().contains("U+0078"), e.getMessage());
        assertFalse(Files.exists(dir.resolve("out2").resolve("train.bin")));
    }

    @Test void errors() throws Exception {
        Path empty = dir.resolve("empty.txt");
        Files.write(empty, new byte[0]);
        TokenFileTest.assertMessage(() -> Prepare.run(empty, "char", 0.1, dir.resolve("o"), false), "empty.txt", "empty");

        Path latin1 = dir.resolve("latin1.txt");
        Files.write(latin1, new byte[] {'a', 'b', 'c', (byte) 0xE9, 'd'});
        TokenFileTest.assertMessage(() -> Prepare.run(latin1, "char", 0.1, dir.resolve("o"), false), "latin1.txt", "UTF-8", "byte offset 3");
        TokenFileTest.assertMessage(() -> Prepare.run(latin1, "gpt2", 0.1, dir.resolve("o"), false), "byte offset 3");
        Path cut = dir.resolve("cut.txt");
        Files.write(cut, new byte[] {'a', 'b', (byte) 0xE2, (byte) 0x82});
        TokenFileTest.assertMessage(() -> Prepare.run(cut, "char", 0.1, dir.resolve("o"), false), "byte offset 2");

        Path ok = dir.resolve("ok.txt");
        Files.writeString(ok, "fine");
        TokenFileTest.assertMessage(() -> Prepare.run(ok, "wordpiece", 0.1, dir.resolve("o"), false), "unknown tokenizer 'wordpiece'");
        TokenFileTest.assertMessage(() -> Prepare.run(dir.resolve("missing.txt"), "char", 0.1, dir.resolve("o"), false), "missing.txt", "does not exist");
        TokenFileTest.assertMessage(() -> Prepare.run(ok, "char", 1.0, dir.resolve("o"), false), "val-fraction must be");
        try (var s = Files.list(dir.resolve("o"))) { assertEquals(0, s.count(), "failed runs leave nothing behind"); }
    }

    @Test void specialTokenOnlyWhenAsked() throws Exception {
        Path in = dir.resolve("in.txt");
        Files.writeString(in, "first<|endoftext|>second", StandardCharsets.UTF_8);
        try (TokenFile t = TokenFile.open(Prepare.run(in, "gpt2", 0, dir.resolve("a"), true).train())) {
            assertTrue(java.util.Arrays.stream(t.toArray()).anyMatch(id -> id == Gpt2Tokenizer.EOT));
        }
        try (TokenFile t = TokenFile.open(Prepare.run(in, "gpt2", 0, dir.resolve("b"), false).train())) {
            assertTrue(java.util.Arrays.stream(t.toArray()).noneMatch(id -> id == Gpt2Tokenizer.EOT));
        }
    }
}
