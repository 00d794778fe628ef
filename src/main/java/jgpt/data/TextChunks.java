package jgpt.data;

import jgpt.UserError;

import java.io.IOException;
import java.io.InputStream;
import java.nio.ByteBuffer;
import java.nio.CharBuffer;
import java.nio.charset.CharsetDecoder;
import java.nio.charset.CoderResult;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.nio.file.AccessDeniedException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.function.Consumer;

/**
 * Streams a UTF-8 text file as a sequence of chunks of about {@link #CHUNK} chars, cut only where a
 * {@link Splitter} allows (for a tokenizer: where cutting does not change the encoding), so a file larger
 * than the heap can be tokenized piece by piece. Invalid UTF-8 is reported with its byte offset.
 */
public final class TextChunks {
    public static final int CHUNK = 1 << 20;
    /** Chars kept back from the end of the buffer when cutting, so a splitter can look ahead (e.g. for {@code <|endoftext|>}). */
    private static final int LOOKAHEAD = 16;

    private TextChunks() {}

    /** Where text may be cut: the largest p in [from, to] that is safe, or -1 (see jgpt.tokenizer.Tokenizer#splitPoint). */
    @FunctionalInterface
    public interface Splitter {
        int splitPoint(CharSequence text, int from, int to);
    }

    /** Any boundary that does not split a surrogate pair. */
    public static final Splitter ANY = (text, from, to) -> {
        for (int p = to; p >= from; p--) if (!Character.isLowSurrogate(text.charAt(p))) return p;
        return -1;
    };

    /**
     * Calls {@code sink} with consecutive chunks of {@code input} whose concatenation is the whole text.
     * A chunk grows past {@link #CHUNK} until the splitter finds a cut (text without one is passed whole).
     * Returns the number of chars read.
     */
    public static long forEach(Path input, Splitter splitter, Consumer<String> sink) {
        return forEach(input, splitter, sink, CHUNK);
    }

    /** As {@link #forEach(Path, Splitter, Consumer)} with chunks of about {@code chunk} chars (tests use small ones). */
    public static long forEach(Path input, Splitter splitter, Consumer<String> sink, int chunk) {
        try (InputStream in = open(input)) {
            CharsetDecoder dec = StandardCharsets.UTF_8.newDecoder()
                    .onMalformedInput(CodingErrorAction.REPORT).onUnmappableCharacter(CodingErrorAction.REPORT);
            ByteBuffer bytes = ByteBuffer.allocate(Math.min(1 << 16, Math.max(64, chunk)));
            CharBuffer chars = CharBuffer.allocate(Math.min(1 << 16, Math.max(64, chunk)));
            StringBuilder buf = new StringBuilder(chunk + (1 << 17));
            long consumed = 0, total = 0; // bytes before bytes[0]; chars read
            int searched = 1;             // no cut exists in buf before this index
            boolean eof = false;
            while (!eof) {
                int r = in.read(bytes.array(), bytes.position(), bytes.remaining());
                if (r < 0) eof = true; else bytes.position(bytes.position() + r);
                bytes.flip();
                CoderResult cr = dec.decode(bytes, chars, eof);
                if (eof && !cr.isError()) cr = dec.flush(chars);
                if (cr.isError()) throw notUtf8(input, consumed + bytes.position(), bytes);
                consumed += bytes.position();
                bytes.compact();
                chars.flip();
                total += chars.remaining();
                buf.append(chars);
                chars.clear();
                if (buf.length() >= chunk + LOOKAHEAD) {
                    int p = splitter.splitPoint(buf, Math.max(1, searched - LOOKAHEAD), buf.length() - LOOKAHEAD);
                    if (p > 0) {
                        sink.accept(buf.substring(0, p));
                        buf.delete(0, p);
                        searched = 1;
                    } else {
                        searched = buf.length() - LOOKAHEAD;
                    }
                }
            }
            if (!buf.isEmpty()) sink.accept(buf.toString());
            return total;
        } catch (IOException e) {
            throw new UserError("cannot read " + input + ": " + e.getMessage(), e);
        }
    }

    private static InputStream open(Path input) throws IOException {
        if (Files.isDirectory(input)) throw new UserError(input + " is a directory, not a text file");
        try {
            return Files.newInputStream(input);
        } catch (NoSuchFileException e) {
            throw new UserError("input file " + input + " does not exist");
        } catch (AccessDeniedException e) {
            throw new UserError("cannot read " + input + ": permission denied");
        }
    }

    private static UserError notUtf8(Path input, long offset, ByteBuffer bytes) {
        String b = bytes.hasRemaining() ? String.format(" (byte 0x%02X)", bytes.get(bytes.position()) & 0xFF) : " (truncated character at the end)";
        return new UserError(input + " is not valid UTF-8 text: bad byte sequence at byte offset " + offset + b
                + "; convert it to UTF-8 first (e.g. iconv -t UTF-8)");
    }
}
