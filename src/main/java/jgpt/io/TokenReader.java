package jgpt.io;

import jgpt.UserError;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;

/**
 * Minimal reader of token files for {@code jgpt eval}, until jgpt.data.TokenFile (same method names) lands:
 * llm.c's format (256 int32 header: magic 20240520, version 1, token count; then uint16 tokens) or a
 * headerless nanoGPT uint16 .bin. Reads only the tokens asked for, so a large shard costs nothing.
 */
public final class TokenReader implements AutoCloseable {
    static final int MAGIC = 20240520, HEADER_BYTES = 256 * 4;

    private final Path path;
    private final FileChannel ch;
    private final long start, count;
    private ByteBuffer buf = ByteBuffer.allocate(0);

    private TokenReader(Path path, FileChannel ch, long start, long count) {
        this.path = path; this.ch = ch; this.start = start; this.count = count;
    }

    public static TokenReader open(Path path) {
        if (Files.isDirectory(path)) throw new UserError(path + ": is a directory, not a token file");
        FileChannel ch;
        try {
            ch = FileChannel.open(path, StandardOpenOption.READ);
        } catch (NoSuchFileException e) {
            throw new UserError(path + ": file not found");
        } catch (IOException e) {
            throw new UserError(path + ": cannot open (" + e.getMessage() + ")");
        }
        try {
            long size = ch.size();
            ByteBuffer h = ByteBuffer.allocate(12).order(ByteOrder.LITTLE_ENDIAN);
            if (size >= HEADER_BYTES) {
                while (h.hasRemaining()) if (ch.read(h, h.position()) < 0) break;
            }
            if (size >= HEADER_BYTES && h.getInt(0) == MAGIC) {          // llm.c
                int version = h.getInt(4);
                long n = Integer.toUnsignedLong(h.getInt(8));
                if (version != 1) throw new UserError(path + ": llm.c token file version " + version + " is not supported (expected 1)");
                long need = HEADER_BYTES + 2 * n;
                if (size < need) throw new UserError(path + ": truncated: the header promises " + n + " tokens (" + need + " bytes) but the file has " + size + " bytes");
                return new TokenReader(path, ch, HEADER_BYTES, n);
            }
            if (size % 2 != 0) throw new UserError(path + ": " + size + " bytes is odd: not an llm.c or uint16 token file (truncated?)");
            return new TokenReader(path, ch, 0, size / 2);                 // nanoGPT: bare uint16
        } catch (IOException e) {
            close(ch);
            throw new UserError(path + ": cannot read (" + e.getMessage() + ")");
        } catch (RuntimeException e) {
            close(ch);
            throw e;
        }
    }

    public Path path() { return path; }
    public long size() { return count; }

    /** Tokens [from, from+len) into dst[off ..]. */
    public void read(long from, int[] dst, int off, int len) {
        if (from < 0 || from + len > count) throw new IndexOutOfBoundsException("tokens [" + from + ", +" + len + ") of " + count);
        if (buf.capacity() < 2 * len) buf = ByteBuffer.allocate(2 * len).order(ByteOrder.LITTLE_ENDIAN);
        buf.clear().limit(2 * len);
        try {
            long pos = start + 2 * from;
            while (buf.hasRemaining())
                if (ch.read(buf, pos + buf.position()) < 0) throw new UserError(path + ": truncated while reading tokens");
        } catch (IOException e) {
            throw new UserError(path + ": cannot read (" + e.getMessage() + ")");
        }
        for (int i = 0; i < len; i++) dst[off + i] = Short.toUnsignedInt(buf.getShort(2 * i));
    }

    @Override public void close() { close(ch); }

    private static void close(FileChannel ch) {
        try { ch.close(); } catch (IOException ignored) { /* read-only */ }
    }
}
