package jgpt.io;

import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import jgpt.UserError;
import jgpt.tensor.Tensor;

import java.io.IOException;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collection;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Consumer;

/**
 * The safetensors format (Hugging Face): an 8-byte little-endian header length N, N bytes of JSON
 * {@code {name: {"dtype", "shape", "data_offsets": [begin, end]}, "__metadata__": {...}}}, then the raw
 * little-endian data; offsets are relative to the end of the header.
 * <p>
 * Reading maps one tensor (or one slice of it) at a time with {@link FileChannel#map(FileChannel.MapMode, long, long, Arena)}
 * and copies straight into the caller's array, so a 6 GB checkpoint needs no byte[] copy of the file and
 * no 2 GB-limited ByteBuffer. F32 is read as is; F16, BF16 and F64 are converted to float. Writing is F32 only.
 */
public final class Safetensors {
    private Safetensors() {}

    /** The spec caps the header at 100 MB; anything larger is not a safetensors file. */
    static final long MAX_HEADER = 100_000_000L;

    private static final ValueLayout.OfFloat F32_LE = ValueLayout.JAVA_FLOAT_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN);
    private static final ValueLayout.OfDouble F64_LE = ValueLayout.JAVA_DOUBLE_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN);
    private static final ValueLayout.OfShort I16_LE = ValueLayout.JAVA_SHORT_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN);

    /** Bytes per element of a safetensors dtype, or −1 for one we do not know (allowed in the header, not readable). */
    static int bytesPer(String dtype) {
        return switch (dtype) {
            case "BOOL", "U8", "I8", "F8_E5M2", "F8_E4M3" -> 1;
            case "I16", "U16", "F16", "BF16" -> 2;
            case "I32", "U32", "F32" -> 4;
            case "I64", "U64", "F64" -> 8;
            default -> -1;
        };
    }

    /** One tensor of the header. begin/end are absolute byte positions in the file. */
    public record Entry(String name, String dtype, int[] shape, long begin, long end) {
        public long numel() { return Tensor.numelLong(shape); }
        public String shapeString() { return Arrays.toString(shape); }
    }

    // =====================================================================================================
    // reading
    // =====================================================================================================

    /** Opens and validates {@code file}; every problem becomes a one-line {@link UserError} naming the file. */
    public static Reader open(Path file) { return new Reader(file); }

    public static final class Reader implements AutoCloseable {
        public final Path file;
        public final long fileSize;
        private final FileChannel ch;
        private final Map<String, Entry> entries;     // in header order
        private final Map<String, String> metadata;

        private Reader(Path file) {
            this.file = file;
            FileChannel c;
            try {
                c = FileChannel.open(file, StandardOpenOption.READ);
            } catch (NoSuchFileException e) {
                throw new UserError(file + ": file not found");
            } catch (IOException e) {
                throw new UserError(file + ": cannot open (" + e.getMessage() + ")");
            }
            this.ch = c;
            try {
                if (Files.isDirectory(file)) throw bad("is a directory, not a safetensors file");
                fileSize = ch.size();
                if (fileSize < 8) throw bad("truncated or not a safetensors file (" + fileSize + " bytes, the 8-byte header length alone needs 8)");
                ByteBuffer lenBuf = ByteBuffer.allocate(8).order(ByteOrder.LITTLE_ENDIAN);
                readFully(lenBuf, 0);
                long n = lenBuf.getLong(0);
                if (n < 2 || n > MAX_HEADER)
                    throw bad("header length " + n + " is implausible (not a safetensors file?)");
                if (8 + n > fileSize)
                    throw bad("truncated: the header claims " + n + " bytes but the file has only " + (fileSize - 8) + " after the length");
                ByteBuffer hb = ByteBuffer.allocate((int) n);
                readFully(hb, 8);
                long dataStart = 8 + n;
                Map<String, String> meta = new LinkedHashMap<>();
                this.entries = Collections.unmodifiableMap(parseHeader(hb.array(), dataStart, meta));
                this.metadata = Collections.unmodifiableMap(meta);
            } catch (RuntimeException e) {
                closeQuietly();
                throw e;
            } catch (IOException e) {
                closeQuietly();
                throw new UserError(file + ": cannot read (" + e.getMessage() + ")");
            }
        }

        private void readFully(ByteBuffer b, long pos) throws IOException {
            while (b.hasRemaining()) {
                int r = ch.read(b, pos + b.position());
                if (r < 0) throw bad("truncated while reading the header");
            }
        }

        private UserError bad(String what) { return new UserError(file + ": " + what); }

        private Map<String, Entry> parseHeader(byte[] bytes, long dataStart, Map<String, String> meta) {
            JsonNode root;
            try {
                ObjectMapper om = new ObjectMapper().enable(JsonParser.Feature.STRICT_DUPLICATE_DETECTION);
                root = om.readTree(bytes);
            } catch (IOException e) {
                String m = e instanceof JsonProcessingException jp ? jp.getOriginalMessage() : e.getMessage();
                throw bad("header is not valid JSON (" + m + ")");
            }
            if (root == null || !root.isObject()) throw bad("header is not a JSON object");
            Map<String, Entry> out = new LinkedHashMap<>();
            long dataSize = fileSize - dataStart;
            for (Map.Entry<String, JsonNode> f : root.properties()) {
                String name = f.getKey();
                JsonNode v = f.getValue();
                if (name.equals("__metadata__")) {
                    if (!v.isObject()) throw bad("header: __metadata__ must be an object of strings");
                    for (Map.Entry<String, JsonNode> m : v.properties()) meta.put(m.getKey(), m.getValue().asText());
                    continue;
                }
                if (!v.isObject()) throw bad("header: tensor '" + name + "' is not an object");
                JsonNode dt = v.get("dtype"), sh = v.get("shape"), off = v.get("data_offsets");
                if (dt == null || !dt.isTextual()) throw bad("header: tensor '" + name + "' has no dtype string");
                if (sh == null || !sh.isArray()) throw bad("header: tensor '" + name + "' has no shape array");
                if (off == null || !off.isArray() || off.size() != 2 || !off.get(0).canConvertToLong() || !off.get(1).canConvertToLong()
                        || !off.get(0).isIntegralNumber() || !off.get(1).isIntegralNumber())
                    throw bad("header: tensor '" + name + "' needs data_offsets [begin, end]");
                int[] shape = new int[sh.size()];
                for (int i = 0; i < shape.length; i++) {
                    JsonNode d = sh.get(i);
                    if (!d.isIntegralNumber() || !d.canConvertToInt() || d.asInt() < 0)
                        throw bad("header: tensor '" + name + "' has a bad shape " + sh);
                    shape[i] = d.asInt();
                }
                long b = off.get(0).asLong(), e = off.get(1).asLong();
                if (b < 0 || e < b) throw bad("header: tensor '" + name + "' has bad data_offsets [" + b + ", " + e + "]");
                int per = bytesPer(dt.asText());
                long numel = Tensor.numelLong(shape);
                if (per > 0 && e - b != numel * per)
                    throw bad("header: tensor '" + name + "' " + dt.asText() + " " + Arrays.toString(shape) + " needs "
                            + numel * per + " bytes but data_offsets [" + b + ", " + e + "] span " + (e - b));
                if (e > dataSize)
                    throw bad("truncated: tensor '" + name + "' ends at data byte " + e + " but the file holds only " + dataSize + " data bytes");
                out.put(name, new Entry(name, dt.asText(), shape, dataStart + b, dataStart + e));
            }
            // no two tensors may share bytes
            List<Entry> sorted = new ArrayList<>(out.values());
            sorted.sort((x, y) -> x.begin != y.begin ? Long.compare(x.begin, y.begin) : Long.compare(x.end, y.end));
            for (int i = 1; i < sorted.size(); i++) {
                Entry p = sorted.get(i - 1), q = sorted.get(i);
                if (q.begin < p.end) throw bad("header: tensors '" + p.name + "' and '" + q.name + "' overlap");
            }
            return out;
        }

        public Collection<Entry> entries() { return entries.values(); }
        /** The entry called {@code name}, or null. */
        public Entry get(String name) { return entries.get(name); }
        public Map<String, String> metadata() { return metadata; }

        /** Copies the whole tensor into dst (float or double), converting to its precision. */
        public void read(Entry e, Tensor dst) {
            if (dst.size != e.numel())
                throw new IllegalArgumentException(e.name + ": " + e.numel() + " elements into " + dst + " of " + dst.size);
            read(e, 0, dst.size, dst, 0);
        }

        /** Copies elements [from, from+count) of tensor e into dst at element dstOff (relative to dst's view). */
        public void read(Entry e, long from, int count, Tensor dst, int dstOff) {
            int per = readable(e);
            if (from < 0 || from + count > e.numel()) throw new IllegalArgumentException(e.name + ": range outside tensor");
            if (count == 0) return;
            try (Arena arena = Arena.ofConfined()) {
                MemorySegment seg = map(e.begin + from * per, (long) count * per, arena);
                copy(e.dtype, seg, 0, dst, dstOff, count);
            }
        }

        /**
         * Columns [col0, col0+ncols) of tensor e seen as a (rows, cols) matrix (cols = last dimension) into
         * dst as a (rows, ncols) matrix. This is how a fused (C, 3C) c_attn splits into wq, wk, wv without a scratch copy.
         */
        public void readColumns(Entry e, int col0, int ncols, Tensor dst) {
            int per = readable(e);
            int cols = e.shape.length == 0 ? 1 : e.shape[e.shape.length - 1];
            long rows = cols == 0 ? 0 : e.numel() / cols;
            if (col0 < 0 || col0 + ncols > cols || rows * ncols != dst.size)
                throw new IllegalArgumentException(e.name + ": columns [" + col0 + ", +" + ncols + ") into " + dst);
            if (rows == 0 || ncols == 0) return;
            try (Arena arena = Arena.ofConfined()) {
                MemorySegment seg = map(e.begin, e.end - e.begin, arena);
                for (int r = 0; r < rows; r++)
                    copy(e.dtype, seg, ((long) r * cols + col0) * per, dst, r * ncols, ncols);
            }
        }

        private int readable(Entry e) {
            return switch (e.dtype) {
                case "F32", "F16", "BF16", "F64" -> bytesPer(e.dtype);
                default -> throw bad("tensor '" + e.name + "' has dtype " + e.dtype + "; jgpt reads F32, F16, BF16 and F64");
            };
        }

        private MemorySegment map(long pos, long len, Arena arena) {
            try {
                return ch.map(FileChannel.MapMode.READ_ONLY, pos, len, arena);
            } catch (IOException ex) {
                throw new UserError(file + ": cannot read (" + ex.getMessage() + ")");
            }
        }

        @Override public void close() { closeQuietly(); }

        private void closeQuietly() {
            try { ch.close(); } catch (IOException ignored) { /* read-only: nothing to lose */ }
        }
    }

    /** Converts n elements of a little-endian dtype at byte offset src of seg into dst[dstOff ..]. */
    private static void copy(String dtype, MemorySegment seg, long src, Tensor dst, int dstOff, int n) {
        int o = dst.off + dstOff;
        if (dst.f != null) {
            float[] f = dst.f;
            switch (dtype) {
                case "F32" -> MemorySegment.copy(seg, F32_LE, src, f, o, n);
                case "F16" -> { for (int i = 0; i < n; i++) f[o + i] = Float.float16ToFloat(seg.get(I16_LE, src + 2L * i)); }
                case "BF16" -> { for (int i = 0; i < n; i++) f[o + i] = Float.intBitsToFloat((seg.get(I16_LE, src + 2L * i) & 0xffff) << 16); }
                case "F64" -> { for (int i = 0; i < n; i++) f[o + i] = (float) seg.get(F64_LE, src + 8L * i); }
                default -> throw new IllegalStateException(dtype);
            }
        } else {
            double[] d = dst.d;
            switch (dtype) {
                case "F32" -> { for (int i = 0; i < n; i++) d[o + i] = seg.get(F32_LE, src + 4L * i); }
                case "F16" -> { for (int i = 0; i < n; i++) d[o + i] = Float.float16ToFloat(seg.get(I16_LE, src + 2L * i)); }
                case "BF16" -> { for (int i = 0; i < n; i++) d[o + i] = Float.intBitsToFloat((seg.get(I16_LE, src + 2L * i) & 0xffff) << 16); }
                case "F64" -> MemorySegment.copy(seg, F64_LE, src, d, o, n);
                default -> throw new IllegalStateException(dtype);
            }
        }
    }

    // =====================================================================================================
    // writing
    // =====================================================================================================

    /** Receives a tensor's elements in order; double inputs are rounded to float. */
    public interface Sink {
        /** Elements [off, off+n) of t's view. */
        void put(Tensor t, int off, int n);
        default void put(Tensor t) { put(t, 0, t.size); }
    }

    /** One tensor to write: its name, shape, and a producer that must put exactly numel(shape) elements. */
    public record Item(String name, int[] shape, Consumer<Sink> data) {}

    /** Writes F32 tensors to {@code file} crash-safely (temp file, fsync, atomic rename). */
    public static void write(Path file, List<Item> items, Map<String, String> metadata) {
        ObjectMapper om = new ObjectMapper();
        ObjectNode header = om.createObjectNode();
        if (metadata != null && !metadata.isEmpty()) {
            ObjectNode m = header.putObject("__metadata__");
            new java.util.TreeMap<>(metadata).forEach(m::put);     // sorted: the same bytes whatever the map's order (Map.of's varies per JVM)
        }
        long at = 0;
        for (Item it : items) {
            if (it.name.equals("__metadata__") || header.has(it.name)) throw new IllegalArgumentException("duplicate or reserved name " + it.name);
            long bytes = Tensor.numelLong(it.shape) * 4;
            ObjectNode t = header.putObject(it.name);
            t.put("dtype", "F32");
            ArrayNode s = t.putArray("shape");
            for (int d : it.shape) s.add(d);
            t.putArray("data_offsets").add(at).add(at + bytes);
            at += bytes;
        }
        byte[] json;
        try {
            json = om.writeValueAsBytes(header);
        } catch (JsonProcessingException e) {
            throw new IllegalStateException(e);
        }
        // pad with spaces so the data starts 8-byte aligned (as the reference writer does)
        int padded = (json.length + 7) / 8 * 8;
        byte[] head = Arrays.copyOf(json, padded);
        Arrays.fill(head, json.length, padded, (byte) ' ');
        try {
            AtomicFiles.write(file, ch -> {
                ByteBuffer len = ByteBuffer.allocate(8).order(ByteOrder.LITTLE_ENDIAN).putLong(0, padded);
                writeFully(ch, len);
                writeFully(ch, ByteBuffer.wrap(head));
                ChannelSink sink = new ChannelSink(ch);
                for (Item it : items) {
                    long before = sink.count;
                    it.data.accept(sink);
                    sink.flushIfFull(true);
                    long n = sink.count - before;
                    if (n != Tensor.numelLong(it.shape))
                        throw new IllegalStateException(it.name + ": producer wrote " + n + " elements, shape " + Arrays.toString(it.shape) + " needs " + Tensor.numelLong(it.shape));
                }
                sink.flushIfFull(true);
            });
        } catch (IOException e) {
            throw new UserError(file + ": cannot write (" + e.getMessage() + ")");
        } catch (java.io.UncheckedIOException e) {
            throw new UserError(file + ": cannot write (" + e.getCause().getMessage() + ")");
        }
    }

    private static void writeFully(FileChannel ch, ByteBuffer b) throws IOException {
        while (b.hasRemaining()) ch.write(b);
    }

    /** Streams floats to the channel through one 1 MB little-endian buffer. */
    private static final class ChannelSink implements Sink {
        final FileChannel ch;
        final ByteBuffer buf = ByteBuffer.allocateDirect(1 << 20).order(ByteOrder.LITTLE_ENDIAN);
        long count;
        ChannelSink(FileChannel ch) { this.ch = ch; }

        @Override public void put(Tensor t, int off, int n) {
            if (off < 0 || off + n > t.size) throw new IllegalArgumentException(t + ": range [" + off + ", +" + n + ")");
            int base = t.off + off;
            for (int i = 0; i < n; ) {
                int room = buf.remaining() / 4;
                if (room == 0) { flushIfFull(false); continue; }
                int k = Math.min(room, n - i);
                if (t.f != null) buf.asFloatBuffer().put(t.f, base + i, k);
                else for (int j = 0; j < k; j++) buf.putFloat(buf.position() + 4 * j, (float) t.d[base + i + j]);
                buf.position(buf.position() + 4 * k);
                i += k;
            }
            count += n;
        }

        void flushIfFull(boolean always) {
            if (!always && buf.hasRemaining() && buf.remaining() >= 4) return;
            buf.flip();
            try {
                writeFully(ch, buf);
            } catch (IOException e) {
                throw new java.io.UncheckedIOException(e);
            }
            buf.clear();
        }
    }
}
