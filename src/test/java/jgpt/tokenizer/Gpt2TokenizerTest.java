package jgpt.tokenizer;

import jgpt.TestData;
import jgpt.data.TextChunks;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;

import static org.junit.jupiter.api.Assertions.*;

class Gpt2TokenizerTest {
    private final Gpt2Tokenizer gpt2 = new Gpt2Tokenizer();

    @Test void matchesTiktokenReferenceIds() {
        // openai/tiktoken, tests/test_encoding.py, test_simple / test_basic_encode (encoding "gpt2" = r50k_base)
        assertArrayEquals(new int[] {31373, 995}, gpt2.encode("hello world"));
        assertEquals("hello world", gpt2.decode(new int[] {31373, 995}));
        assertArrayEquals(new int[] {31373, 220, 50256}, gpt2.withSpecial(true).encode("hello <|endoftext|>"));
        assertArrayEquals(new int[0], gpt2.encode(""));                                  // test_encode_empty
        // openai/tiktoken, tests/test_encoding.py, test_simple_repeated
        assertArrayEquals(new int[] {15}, gpt2.encode("0"));
        assertArrayEquals(new int[] {405}, gpt2.encode("00"));
        assertArrayEquals(new int[] {830}, gpt2.encode("000"));
        assertArrayEquals(new int[] {2388}, gpt2.encode("0000"));
        assertArrayEquals(new int[] {10535, 830}, gpt2.encode("000000000"));
        assertArrayEquals(new int[] {25645}, gpt2.encode("0000000000000000"));
        assertArrayEquals(new int[] {8269, 10535, 830}, gpt2.encode("00000000000000000"));
    }

    @Test void matchesTiktokenGeneratedTable() {
        // knuddelsgmbh/jtokkit, lib/src/test/resources/r50k_base_encodings.csv (ids produced with tiktoken r50k_base)
        assertArrayEquals(new int[] {15496, 995, 0}, gpt2.encode("Hello world!"));
        assertArrayEquals(new int[] {40, 1842, 12520, 235, 243}, gpt2.encode("I love 🍕"));
        assertArrayEquals(new int[] {2437, 546, 3146, 30, 17031, 4153, 13, 21, 532, 3695, 13, 24}, gpt2.encode("How about numbers? 123 45.6 -78.9"));
        assertArrayEquals(new int[] {44, 2966, 4226, 25, 220, 19526, 254, 25001, 121, 995, 0, 12520, 234, 235}, gpt2.encode("Mixed script: 你好 world! 🌍"));
        assertArrayEquals(new int[] {1212, 220, 220, 220, 220, 318, 220, 220, 220, 220, 257, 220, 220, 220, 220, 6827, 220, 220, 220, 220, 351,
                220, 220, 220, 220, 3131, 220, 220, 220, 220, 9029, 13}, gpt2.encode("This     is     a     sentence     with     extra     spaces."));
    }

    @Test void endOfTextIsPlainTextUnlessAsked() {
        int[] ordinary = gpt2.encode("<|endoftext|>");
        assertTrue(ordinary.length > 1, "encode_ordinary spells the special token out");
        for (int id : ordinary) assertNotEquals(Gpt2Tokenizer.EOT, id);
        assertArrayEquals(new int[] {Gpt2Tokenizer.EOT}, gpt2.withSpecial(true).encode("<|endoftext|>"));
        assertEquals("<|endoftext|>", gpt2.decode(new int[] {Gpt2Tokenizer.EOT}));
        assertEquals("a<|endoftext|>b", gpt2.decode(gpt2.withSpecial(true).encode("a<|endoftext|>b")));
    }

    @Test void tokenTextShowsPartialUtf8AsHex() {
        // "I love 🍕" -> ..., 12520, 235, 243: the pizza's 4 bytes F0 9F 8D 95 are spread over three tokens
        String first = gpt2.tokenText(12520);
        assertTrue(first.contains("\\xF0\\x9F"), first);
        assertEquals(" world", gpt2.tokenText(995));
        assertThrows(IllegalArgumentException.class, () -> gpt2.decode(new int[] {Gpt2Tokenizer.VOCAB}));
    }

    /** The cut rule: prefix ++ suffix encodings equal the whole encoding at every point it allows. */
    @Test void splitPointsNeverChangeTheEncodingOnRandomText() {
        String[] atoms = {" ", "  ", "\n", "\n\n", "\t", "\r\n", "a", "Bc", "x", "é", "ß", "1", "23", "'", "'s", "'ll", ".", "!?", "😀", "你", "\u00A0", "\u2028"};
        Random r = new Random(7);
        int checked = 0;
        for (int trial = 0; trial < 2000; trial++) {
            StringBuilder sb = new StringBuilder();
            int len = 1 + r.nextInt(30);
            for (int i = 0; i < len; i++) sb.append(atoms[r.nextInt(atoms.length)]);
            String s = sb.toString();
            int[] whole = gpt2.encode(s);
            for (int p = 1; p < s.length(); p++) {
                if (Gpt2Tokenizer.gpt2SplitPoint(s, p, p, false) != p) continue;
                assertArrayEquals(whole, concat(gpt2.encode(s.substring(0, p)), gpt2.encode(s.substring(p))), "cut at " + p + " of \"" + s + "\"");
                checked++;
            }
        }
        assertTrue(checked > 1000, "enough cut points exercised: " + checked);
    }

    @Test void cuttingAfterANewlineIsNotSafeInGeneral() {
        // why the rule does not simply cut at line ends: in the whole text \s+(?!\S) backs off before the last
        // newline when a letter follows, so "\n\n" becomes two pieces [198, 198]; "speak.\n\n" alone ends in one [628]
        String s = "speak.\n\nAll:";
        int cut = s.indexOf("All");
        assertFalse(java.util.Arrays.equals(gpt2.encode(s), concat(gpt2.encode(s.substring(0, cut)), gpt2.encode(s.substring(cut)))));
        assertEquals(-1, Gpt2Tokenizer.gpt2SplitPoint(s, cut, cut, false));
        assertEquals(5, Gpt2Tokenizer.gpt2SplitPoint(s, 1, cut, false), "the safe cut is after the last letter, before '.'");
    }

    @Test void specialTokensAreNeverCut() {
        String s = "the end<|endoftext|>Next text";
        Gpt2Tokenizer sp = gpt2.withSpecial(true);
        int[] whole = sp.encode(s);
        for (int p = 1; p < s.length(); p++) {
            if (sp.splitPoint(s, p, p) != p) continue;
            int at = s.indexOf("<|endoftext|>");
            assertFalse(p > at && p < at + 13, "cut inside the special token at " + p);
            assertArrayEquals(whole, concat(sp.encode(s.substring(0, p)), sp.encode(s.substring(p))));
        }
    }

    @Test void chunkedEncodingOfShakespeareEqualsWholeEncoding() throws Exception {
        Path p = TestData.shakespeare();
        int[] whole = gpt2.encode(Files.readString(p));
        List<int[]> parts = new ArrayList<>();
        int[] nChunks = {0};
        TextChunks.forEach(p, gpt2::splitPoint, chunk -> { parts.add(gpt2.encode(chunk)); nChunks[0]++; }, 4096);
        assertTrue(nChunks[0] > 200, "text was really cut: " + nChunks[0] + " chunks");
        assertArrayEquals(whole, parts.stream().reduce(new int[0], Gpt2TokenizerTest::concat));
    }

    @Test void chunkedEncodingWithSpecialTokensEqualsWhole(@TempDir Path dir) throws Exception {
        StringBuilder sb = new StringBuilder();
        Random r = new Random(3);
        for (int i = 0; i < 3000; i++) sb.append(r.nextBoolean() ? "word " : "x").append(i % 7 == 0 ? "<|endoftext|>" : "").append(i % 5 == 0 ? "\n  \n" : "");
        Path f = dir.resolve("t.txt");
        Files.writeString(f, sb);
        Gpt2Tokenizer sp = gpt2.withSpecial(true);
        List<int[]> parts = new ArrayList<>();
        TextChunks.forEach(f, sp::splitPoint, chunk -> parts.add(sp.encode(chunk)), 100);
        assertTrue(parts.size() > 20);
        assertArrayEquals(sp.encode(sb.toString()), parts.stream().reduce(new int[0], Gpt2TokenizerTest::concat));
    }

    @Test void textWithoutLettersIsCutAtLoneNewlines(@TempDir Path dir) throws Exception {
        StringBuilder sb = new StringBuilder();
        Random r = new Random(9);
        for (int i = 0; i < 2000; i++) sb.append(r.nextInt(100_000)).append(r.nextInt(4) == 0 ? ",\n\n" : r.nextBoolean() ? " \n" : "\n");
        Path f = dir.resolve("numbers.txt");
        Files.writeString(f, sb);
        List<int[]> parts = new ArrayList<>();
        TextChunks.forEach(f, gpt2::splitPoint, chunk -> parts.add(gpt2.encode(chunk)), 200);
        assertTrue(parts.size() > 20, "cut " + parts.size() + " times");
        assertArrayEquals(gpt2.encode(sb.toString()), parts.stream().reduce(new int[0], Gpt2TokenizerTest::concat));
    }

    static int[] concat(int[] a, int[] b) {
        int[] c = java.util.Arrays.copyOf(a, a.length + b.length);
        System.arraycopy(b, 0, c, a.length, b.length);
        return c;
    }
}
