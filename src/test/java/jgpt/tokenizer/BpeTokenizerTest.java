package jgpt.tokenizer;

import jgpt.TestData;
import jgpt.UserError;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.regex.Matcher;

import static org.junit.jupiter.api.Assertions.*;

class BpeTokenizerTest {
    static String shakespeare;
    static BpeTokenizer bpe512;

    @BeforeAll static void train() throws Exception {
        shakespeare = Files.readString(TestData.shakespeare());
        bpe512 = BpeTrainer.trainFile(TestData.shakespeare(), 512);
    }

    @Test void trainsTheRequestedVocabularyAndRoundTripsShakespeare() {
        assertEquals(512, bpe512.vocabSize());
        int[] ids = bpe512.encode(shakespeare);
        assertEquals(shakespeare, bpe512.decode(ids));
        for (int id : ids) assertTrue(id >= 0 && id < 512);
    }

    @Test void moreMergesMeanFewerTokens() {
        int bytes = shakespeare.getBytes(StandardCharsets.UTF_8).length;
        BpeTrainer trainer = new BpeTrainer();
        trainer.add(shakespeare);
        BpeTokenizer bpe1024 = trainer.train(1024);
        int n512 = bpe512.encode(shakespeare).length, n1024 = bpe1024.encode(shakespeare).length;
        assertTrue(n512 < bytes, n512 + " < " + bytes);
        assertTrue(n1024 < n512, n1024 + " < " + n512);
        // the first 256 merges of the larger run are the smaller run's merges: training is greedy and deterministic
        int[][] a = bpe512.merges(), b = bpe1024.merges();
        for (int i = 0; i < a.length; i++) assertArrayEquals(a[i], b[i], "merge " + i);
    }

    @Test void roundTripsArbitraryUnicode() {
        Random r = new Random(11);
        int[][] ranges = {{0x00, 0x1F}, {0x20, 0x7E}, {0x7F, 0x9F}, {0xA0, 0x2FF}, {0x4E00, 0x9FFF}, {0xAC00, 0xD7A3},
                {0x1F300, 0x1F64F}, {0x1F900, 0x1F9FF}, {0xE000, 0xF8FF}, {0xFFF0, 0xFFFD}, {0x10000, 0x10FFFF}};
        for (int trial = 0; trial < 500; trial++) {
            StringBuilder sb = new StringBuilder();
            int len = r.nextInt(40);
            for (int i = 0; i < len; i++) {
                int[] g = ranges[r.nextInt(ranges.length)];
                int cp = g[0] + r.nextInt(g[1] - g[0] + 1);
                if (cp >= 0xD800 && cp <= 0xDFFF) cp = 'x';
                sb.appendCodePoint(cp);
            }
            String s = sb.toString();
            assertEquals(s, bpe512.decode(bpe512.encode(s)), "round trip of " + s.codePoints().mapToObj(Integer::toHexString).toList());
        }
        String mixed = "Héllo, 世界! 👋🏽 tab\there\r\nnull\u0000end \u200B zero-width 🇩🇪 flag";
        assertEquals(mixed, bpe512.decode(bpe512.encode(mixed)));
    }

    @Test void incrementalTrainingEqualsNaiveRecount() {
        String text = shakespeare.substring(0, 30_000);
        BpeTrainer t = new BpeTrainer();
        t.add(text);
        int[][] fast = t.train(256 + 120).merges();
        int[][] slow = naiveMerges(text, 120);
        assertEquals(slow.length, fast.length);
        for (int i = 0; i < slow.length; i++) assertArrayEquals(slow[i], fast[i], "merge " + i);
    }

    /** Reference: recount every pair of every word before each merge; most frequent pair, ties to the smaller (left, right). */
    static int[][] naiveMerges(String text, int merges) {
        Map<String, Integer> counts = new HashMap<>();
        Matcher m = BpeTokenizer.PIECES.matcher(text);
        while (m.find()) counts.merge(m.group(), 1, Integer::sum);
        List<int[]> words = new ArrayList<>();
        List<Integer> wc = new ArrayList<>();
        for (var e : counts.entrySet()) {
            byte[] b = e.getKey().getBytes(StandardCharsets.UTF_8);
            int[] s = new int[b.length];
            for (int i = 0; i < b.length; i++) s[i] = b[i] & 0xFF;
            words.add(s);
            wc.add(e.getValue());
        }
        List<int[]> out = new ArrayList<>();
        for (int k = 0; k < merges; k++) {
            Map<Long, Long> pc = new HashMap<>();
            for (int w = 0; w < words.size(); w++) {
                int[] s = words.get(w);
                for (int i = 0; i + 1 < s.length; i++) pc.merge(((long) s[i] << 32) | s[i + 1], (long) wc.get(w), Long::sum);
            }
            long bestKey = -1, best = 0;
            for (var e : pc.entrySet())
                if (e.getValue() > best || (e.getValue() == best && e.getKey() < bestKey)) { best = e.getValue(); bestKey = e.getKey(); }
            if (best == 0) break;
            int a = (int) (bestKey >>> 32), b = (int) bestKey, id = 256 + k;
            out.add(new int[] {a, b});
            for (int w = 0; w < words.size(); w++) {
                int[] s = words.get(w);
                int[] t = new int[s.length];
                int n = 0;
                for (int i = 0; i < s.length; ) {
                    if (i + 1 < s.length && s[i] == a && s[i + 1] == b) { t[n++] = id; i += 2; } else t[n++] = s[i++];
                }
                words.set(w, java.util.Arrays.copyOf(t, n));
            }
        }
        return out.toArray(new int[0][]);
    }

    @Test void savesAndLoads(@TempDir Path dir) {
        Path f = dir.resolve("bpe.json");
        Tokenizers.saveFile(f, bpe512);
        Tokenizer back = Tokenizers.load(f);
        assertInstanceOf(BpeTokenizer.class, back);
        assertEquals(bpe512.signature(), back.signature());
        String s = shakespeare.substring(0, 5000);
        assertArrayEquals(bpe512.encode(s), back.encode(s));
    }

    @Test void tokenTextShowsMergedBytes() {
        int[] ids = bpe512.encode(" the");
        assertEquals(1, ids.length, "' the' is among the first merges of English text");
        assertEquals(" the", bpe512.tokenText(ids[0]));
        assertEquals("\\xE4", bpe512.tokenText(0xE4)); // a lone byte of a multi-byte character
    }

    @Test void rejectsBadVocabularySizesAndMerges() {
        assertThrows(UserError.class, () -> new BpeTrainer().train(255));
        assertThrows(UserError.class, () -> new BpeTrainer().train(70_000));
        assertThrows(IllegalArgumentException.class, () -> new BpeTokenizer(new int[][] {{300, 1}}));
        BpeTrainer tiny = new BpeTrainer();
        tiny.add("abab");
        assertEquals(256 + 2, tiny.train(1000).vocabSize(), "stops when every word is one symbol: (a,b), then (ab,ab)");
    }

    @Test void emptyInputIsAUserError(@TempDir Path dir) throws Exception {
        Path f = dir.resolve("empty.txt");
        Files.writeString(f, "");
        UserError e = assertThrows(UserError.class, () -> BpeTrainer.trainFile(f, 300));
        assertTrue(e.getMessage().contains("empty"));
    }
}
