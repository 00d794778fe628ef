package jgpt.data;

import jgpt.io.AtomicFiles;
import jgpt.UserError;

import java.io.IOException;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.channels.FileChannel;
import java.nio.file.AccessDeniedException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;

/**
 * A read-only, memory-mapped file of uint16 token ids. Two layouts:
 * <ul>
 * <li>llm.c: a header of 256 little-endian int32 ({@code [0]=20240520} magic, {@code [1]=1} version,
 *     {@code [2]} token count, rest zero), then the tokens as little-endian uint16;</li>
 * <li>nanoGPT: headerless little-endian uint16 ({@code np.memmap(dtype=np.uint16)}), recognised by the
 *     absence of the magic. A headerless file cannot start with the magic by accident when its ids are
 *     GPT-2 ids: the magic's low half would be token 54728 &gt; 50256.</li>
 * </ul>
 * Mapping (not reading) the tokens keeps opening a multi-GB file cheap: pages load on first touch.
 * {@link Writer} streams tokens out in the llm.c layout.
 */
public final class TokenFile implements AutoCloseable {
    public static final int MAGIC = 20240520;
    public static final int VERSION = 1;
    public static final int HEADER_INTS = 256;
    public static final int HEADER_BYTES = HEADER_INTS * 4;
    /** Largest id a uint16 token file can hold. */
    public static final int MAX_ID = 65535;

    public enum Format { LLMC, NANOGPT }

    private static final ValueLayout.OfShort U16 = ValueLayout.JAVA_SHORT_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN);

    private final Path path;
    private final Format format;
    private final long count;
    private final Arena arena;
    private final MemorySegment tokens; // (count) uint16 LE

    private final String remote;        // non-null: a file only a cluster's executors read; nothing mapped here

    private TokenFile(Path path, Format format, long count, Arena arena, MemorySegment tokens) {
        this(path, format, count, arena, tokens, null);
    }

    private TokenFile(Path path, Format format, long count, Arena arena, MemorySegment tokens, String remote) {
        this.remote = remote;
        this.path = path;
        this.format = format;
        this.count = count;
        this.arena = arena;
        this.tokens = tokens;
    }

    /** Opens a token file, detecting llm.c (magic) or headerless nanoGPT layout. */
    public static TokenFile open(Path path) { return open(path, null); }

    /** Opens a token file that must have the given layout ({@code null}: detect). */
    public static TokenFile open(Path path, Format expected) {
        if (Files.isDirectory(path))
            throw new UserError(path + " is a directory, not a token file (expected e.g. " + path.resolve("train.bin") + ")");
        try (FileChannel ch = FileChannel.open(path, StandardOpenOption.READ)) {
            long size = ch.size();
            ByteBuffer head = ByteBuffer.allocate((int) Math.min(size, HEADER_BYTES)).order(ByteOrder.LITTLE_ENDIAN);
            while (head.hasRemaining() && ch.read(head, head.position()) > 0) { }
            head.flip();
            int magic = head.remaining() >= 4 ? head.getInt(0) : 0;
            Format format;
            long offset, count;
            if (magic == MAGIC) {
                if (expected == Format.NANOGPT)
                    throw new UserError(path + " has an llm.c header (magic " + MAGIC + "), but a headerless nanoGPT file was expected");
                if (size < HEADER_BYTES)
                    throw new UserError(path + " is truncated: " + size + " bytes, shorter than the " + HEADER_BYTES + "-byte llm.c header");
                int version = head.getInt(4);
                if (version != VERSION)
                    throw new UserError(path + " is an llm.c token file of version " + version + "; only version " + VERSION + " (uint16 tokens) is supported");
                count = Integer.toUnsignedLong(head.getInt(8));
                long have = size - HEADER_BYTES;
                if (2 * count > have)
                    throw new UserError(path + " is truncated: its header announces " + count + " tokens (" + 2 * count
                            + " bytes) but only " + have + " bytes follow the header; re-create it with 'jgpt prepare'");
                if (2 * count < have)
                    throw new UserError(path + " has " + (have - 2 * count) + " bytes after the " + count
                            + " tokens its header announces: corrupted or not an llm.c token file");
                format = Format.LLMC;
                offset = HEADER_BYTES;
            } else {
                if (expected == Format.LLMC)
                    throw new UserError(path + " has bad magic " + magic + " (an llm.c token file starts with " + MAGIC + ")");
                if (looksLikeOtherLlmcFile(head, size))
                    throw new UserError(path + " has bad magic " + magic + ": it looks like another llm.c file (model or tokenizer?), "
                            + "not a token file (magic " + MAGIC + ")");
                if (size % 2 != 0)
                    throw new UserError(path + " has an odd byte length (" + size + "), so it is not a file of uint16 tokens");
                format = Format.NANOGPT;
                offset = 0;
                count = size / 2;
            }
            Arena arena = Arena.ofShared();
            MemorySegment seg = count == 0 ? MemorySegment.NULL
                    : ch.map(FileChannel.MapMode.READ_ONLY, offset, 2 * count, arena);
            return new TokenFile(path, format, count, arena, seg);
        } catch (NoSuchFileException e) {
            throw new UserError("token file " + path + " does not exist (create one with 'jgpt prepare')");
        } catch (AccessDeniedException e) {
            throw new UserError("cannot read token file " + path + ": permission denied");
        } catch (IOException e) {
            throw new UserError("cannot read token file " + path + ": " + e.getMessage(), e);
        }
    }

    /** llm.c's other files start with a date magic (2024xxxx) and a small version, like ours. */
    private static boolean looksLikeOtherLlmcFile(ByteBuffer head, long size) {
        if (head.remaining() < 8 || size < HEADER_BYTES) return false;
        int magic = head.getInt(0), version = head.getInt(4);
        return magic >= 20230101 && magic <= 20301231 && version >= 1 && version <= 16;
    }

    public Path path() { return path; }

    /**
     * A token file known by its header only ({@code count} tokens in this layout), at a URI (hdfs://, s3a://, …)
     * that a cluster's executors read: the driver chooses rows by the count and reads no tokens.
     */
    public static TokenFile remote(String uri, Format format, long count) {
        return new TokenFile(Path.of(uri.replaceFirst("^[a-zA-Z][a-zA-Z0-9+.-]*:/*", "/")), format, count, null, MemorySegment.NULL, uri);
    }

    /** Where executors read the file: its URI (file:// for a local file). */
    public String uri() { return remote != null ? remote : path.toAbsolutePath().toUri().toString(); }
    public Format format() { return format; }
    /** Byte offset of token 0 in the file (the llm.c header's length, or 0). */
    public long dataOffset() { return format == Format.LLMC ? HEADER_BYTES : 0; }
    /** Number of tokens. */
    public long size() { return count; }

    /** Token {@code i} in [0, size()). */
    public int get(long i) {
        local();
        if (i < 0 || i >= count) throw new IndexOutOfBoundsException("token " + i + " outside [0, " + count + ") of " + path);
        return Short.toUnsignedInt(tokens.getAtIndex(U16, i));
    }

    /** Copies tokens [from, from+len) into dst[off ..]. */
    public void read(long from, int[] dst, int off, int len) {
        local();
        if (from < 0 || len < 0 || from + len > count)
            throw new IndexOutOfBoundsException("tokens [" + from + ", " + (from + len) + ") outside [0, " + count + ") of " + path);
        for (int i = 0; i < len; i++) dst[off + i] = Short.toUnsignedInt(tokens.getAtIndex(U16, from + i));
    }

    /** All tokens as an int array (small files: tests, evaluation sets). */
    public int[] toArray() {
        if (count > Integer.MAX_VALUE - 8) throw new UserError(path + " has " + count + " tokens, too many for one array");
        int[] a = new int[(int) count];
        read(0, a, 0, a.length);
        return a;
    }

    private void local() {
        if (remote != null) throw new IllegalStateException(remote + " is read by the cluster's executors, not here");
    }

    /** Largest token id in the file (one pass; for checking against a vocabulary), -1 when empty or {@link #remote}. */
    public int maxToken() {
        if (remote != null) return -1;
        int max = -1;
        for (long i = 0; i < count; i++) max = Math.max(max, Short.toUnsignedInt(tokens.getAtIndex(U16, i)));
        return max;
    }

    /** Unmaps the file; the TokenFile must not be used afterwards. */
    @Override public void close() { if (arena != null) arena.close(); }

    @Override public String toString() { return path + " (" + count + " tokens, " + format + ")"; }

    // ---------------------------------------------------------------------------------------------------------------

    /**
     * Splits the llm.c file {@code src} at token {@code at}: tokens [0, at) go to {@code head} (by truncating
     * {@code src} in place and renaming it), tokens [at, n) are copied to {@code tail}. Both end crash-safe.
     * {@code tail} may be null to drop the tail. Used by prepare, which only knows n after encoding.
     */
    public static void splitAt(Path src, long at, Path head, Path tail) {
        long n;
        try (TokenFile f = open(src, Format.LLMC)) { n = f.size(); }
        if (at < 0 || at > n) throw new IllegalArgumentException("split point " + at + " outside [0, " + n + "]");
        try {
            if (tail != null) {
                Path tmp = AtomicFiles.tempFor(tail);
                try (FileChannel in = FileChannel.open(src, StandardOpenOption.READ);
                     FileChannel out = FileChannel.open(tmp, StandardOpenOption.CREATE_NEW, StandardOpenOption.WRITE)) {
                    out.write(header(n - at));
                    long pos = HEADER_BYTES + 2 * at, end = HEADER_BYTES + 2 * n;
                    while (pos < end) pos += in.transferTo(pos, end - pos, out);
                    out.force(true);
                } catch (IOException | RuntimeException e) {
                    AtomicFiles.deleteQuietly(tmp);
                    throw e;
                }
                AtomicFiles.commit(tmp, tail);
            }
            try (FileChannel ch = FileChannel.open(src, StandardOpenOption.WRITE)) {
                ch.truncate(HEADER_BYTES + 2 * at);
                ch.write(header(at), 0);
                ch.force(true);
            }
            AtomicFiles.commit(src, head);
        } catch (IOException e) {
            throw new UserError("cannot split token file " + src + ": " + e.getMessage(), e);
        }
    }

    private static ByteBuffer header(long count) {
        if (count > 0xFFFF_FFFFL) throw new UserError(count + " tokens do not fit the llm.c header's count");
        ByteBuffer h = ByteBuffer.allocate(HEADER_BYTES).order(ByteOrder.LITTLE_ENDIAN);
        h.putInt(0, MAGIC).putInt(4, VERSION).putInt(8, (int) count);
        return h;
    }

    /** Writes {@code tokens} to {@code path} in the llm.c layout, crash-safe. */
    public static void write(Path path, int[] tokens, int vocab) {
        try (Writer w = writer(path, vocab)) {
            w.write(tokens, 0, tokens.length);
            w.finish();
        }
    }

    /** A streaming llm.c-layout writer for ids in [0, vocab); vocab must fit uint16 (at most 65536). */
    public static Writer writer(Path path, int vocab) { return new Writer(path, vocab); }

    /**
     * Streams tokens to a temp file beside {@code path}; {@link #finish()} patches the count into the header,
     * fsyncs and renames the temp file over {@code path}. {@link #close()} without finish (an exception in a
     * try-with-resources block) discards the temp file, so a partial file never replaces the target.
     */
    public static final class Writer implements AutoCloseable {
        private final Path path, tmp;
        private final int vocab;
        private final FileChannel ch;
        private final ByteBuffer buf = ByteBuffer.allocateDirect(1 << 16).order(ByteOrder.LITTLE_ENDIAN);
        private long count;
        private boolean done;

        private Writer(Path path, int vocab) {
            if (vocab > MAX_ID + 1)
                throw new UserError("cannot write " + path + ": a vocabulary of " + vocab + " does not fit uint16 token files (at most " + (MAX_ID + 1) + ")");
            if (vocab <= 0) throw new IllegalArgumentException("vocab must be positive");
            this.path = path;
            this.vocab = vocab;
            this.tmp = AtomicFiles.tempFor(path);
            try {
                Path parent = path.toAbsolutePath().getParent();
                Files.createDirectories(parent);
                ch = FileChannel.open(tmp, StandardOpenOption.CREATE_NEW, StandardOpenOption.WRITE, StandardOpenOption.READ);
                ch.write(ByteBuffer.allocate(HEADER_BYTES), 0); // header written last, once the count is known
                ch.position(HEADER_BYTES);
            } catch (IOException e) {
                AtomicFiles.deleteQuietly(tmp);
                throw new UserError("cannot write token file " + path + ": " + e.getMessage(), e);
            }
        }

        public void write(int token) {
            if (token < 0 || token >= vocab)
                throw new IllegalArgumentException("token " + token + " outside the vocabulary [0, " + vocab + ") writing " + path);
            if (!buf.hasRemaining()) flush();
            buf.putShort((short) token);
            count++;
        }

        public void write(int[] tokens, int off, int len) {
            for (int i = 0; i < len; i++) write(tokens[off + i]);
        }

        /** Tokens written so far. */
        public long count() { return count; }

        private void flush() {
            buf.flip();
            try {
                while (buf.hasRemaining()) ch.write(buf);
            } catch (IOException e) {
                abort();
                throw new UserError("cannot write token file " + path + ": " + e.getMessage(), e);
            }
            buf.clear();
        }

        /** Discards the output unless {@link #finish()} was called. */
        @Override public void close() { if (!done) abort(); }

        /** Completes the file: header with the token count, fsync, atomic rename over the target. */
        public void finish() {
            if (done) throw new IllegalStateException("writer of " + path + " already closed");
            flush();
            try {
                ch.write(header(count), 0);
                ch.force(true);
                ch.close();
                AtomicFiles.commit(tmp, path);
                done = true;
            } catch (IOException e) {
                abort();
                throw new UserError("cannot write token file " + path + ": " + e.getMessage(), e);
            } finally {
                if (!done) abort();
            }
        }

        /** Discards the partial file; the target is left untouched. */
        public void abort() {
            done = true;
            try { ch.close(); } catch (IOException ignored) { }
            AtomicFiles.deleteQuietly(tmp);
        }
    }
}
