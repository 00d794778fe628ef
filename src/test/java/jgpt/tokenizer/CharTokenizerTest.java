package jgpt.tokenizer;

import jgpt.TestData;
import jgpt.UserError;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;

import static org.junit.jupiter.api.Assertions.*;

class CharTokenizerTest {
    @Test void shakespeareHas65SortedCharacters() throws Exception {
        String text = Files.readString(TestData.shakespeare());
        CharTokenizer t = CharTokenizer.fromText(text);
        assertEquals(65, t.vocabSize()); // nanoGPT data/shakespeare_char/prepare.py: "vocab size: 65"
        int[] chars = t.chars();
        for (int i = 1; i < chars.length; i++) assertTrue(chars[i - 1] < chars[i], "sorted like sorted(set(text))");
        assertEquals('\n', chars[0]);
        assertEquals(' ', chars[1]);
        assertEquals(text, t.decode(t.encode(text)));
        assertEquals(text.length(), t.encode(text).length);
    }

    @Test void idsFollowCodePointOrder() {
        CharTokenizer t = CharTokenizer.fromText("hello");
        assertArrayEquals(new int[] {1, 0, 2, 2, 3}, t.encode("hello")); // e < h < l < o
        assertEquals("l", t.tokenText(2));
    }

    @Test void supplementaryCharactersAreOneToken() {
        String s = "a😀b😀\u0001";
        CharTokenizer t = CharTokenizer.fromText(s);
        assertEquals(4, t.vocabSize());
        assertEquals(5, t.encode(s).length);
        assertEquals(s, t.decode(t.encode(s)));
    }

    @Test void unknownCharacterIsAUserError() {
        CharTokenizer t = CharTokenizer.fromText("abc");
        UserError e = assertThrows(UserError.class, () -> t.encode("abz"));
        assertTrue(e.getMessage().contains("U+007A"), e.getMessage());
        assertThrows(IllegalArgumentException.class, () -> t.decode(new int[] {3}));
    }

    @Test void savesAndLoadsJson(@TempDir Path dir) throws Exception {
        CharTokenizer t = CharTokenizer.fromText("ab\n\t\"\\😀é\u0000 ");
        Tokenizers.save(dir, t);
        String json = Files.readString(dir.resolve("tokenizer.json"));
        assertTrue(json.contains("\"kind\" : \"char\""), json);
        Tokenizer back = Tokenizers.load(dir);
        assertInstanceOf(CharTokenizer.class, back);
        assertArrayEquals(t.chars(), ((CharTokenizer) back).chars());
        assertEquals(t.signature(), back.signature());
        assertNotEquals(t.signature(), CharTokenizer.fromText("abc").signature());
    }

    @Test void splitPointKeepsSurrogatePairsTogether() {
        String s = "a😀";
        assertEquals(1, CharTokenizer.fromText(s).splitPoint(s, 1, 2)); // 2 is inside the pair
    }
}
