package jgpt.tokenizer;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import org.junit.jupiter.api.Test;

class TextStreamerTest {

    /** One token per byte: the worst case for splitting UTF-8 characters across tokens. */
    static final class ByteTokenizer implements Tokenizer {
        public int[] encode(String text) {
            byte[] b = text.getBytes(StandardCharsets.UTF_8);
            int[] ids = new int[b.length];
            for (int i = 0; i < b.length; i++) ids[i] = b[i] & 0xFF;
            return ids;
        }
        public String decode(int[] ids) {
            byte[] b = new byte[ids.length];
            for (int i = 0; i < ids.length; i++) b[i] = (byte) ids[i];
            return new String(b, StandardCharsets.UTF_8);
        }
        public String tokenText(int id) { return decode(new int[] {id}); }
        public int vocabSize() { return 256; }
        public String kind() { return "bytes"; }
    }

    @Test
    void neverPrintsHalfACharacter() {
        String text = "héllo, wörld — 5 € 𝄞 日本語!";
        var tok = new ByteTokenizer();
        var buf = new ByteArrayOutputStream();
        var out = new PrintStream(buf, true, StandardCharsets.UTF_8);
        var s = new TextStreamer(tok, out);
        for (int id : tok.encode(text)) {
            s.accept(id);
            String soFar = buf.toString(StandardCharsets.UTF_8);
            assertFalse(soFar.contains("\uFFFD"), "printed a broken character: " + soFar);
            assertEquals(soFar, s.text());
        }
        s.finish();
        assertEquals(text, buf.toString(StandardCharsets.UTF_8));
    }

    @Test
    void invalidBytesStillComeOutAsReplacementCharacters() {
        var tok = new ByteTokenizer();
        var buf = new ByteArrayOutputStream();
        var s = new TextStreamer(tok, new PrintStream(buf, true, StandardCharsets.UTF_8));
        for (int id : new int[] {'a', 0xFF, 'b', 0xE2, 0x82}) s.accept(id);   // a lone 0xFF, then a truncated '€'
        assertEquals("a\uFFFDb", s.text(), "the truncated tail waits for more bytes");
        s.finish();
        assertEquals(tok.decode(new int[] {'a', 0xFF, 'b', 0xE2, 0x82}), s.text());
    }
}
