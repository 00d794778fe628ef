package jgpt.io;

import jgpt.UserError;
import jgpt.tensor.DType;
import jgpt.tensor.Tensor;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.io.RandomAccessFile;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.Random;

import static org.junit.jupiter.api.Assertions.*;

class SafetensorsTest {

    @TempDir Path tmp;

    private static float[] randoms(int n, long seed) {
        Random r = new Random(seed);
        float[] a = new float[n];
        for (int i = 0; i < n; i++) a[i] = (float) r.nextGaussian();
        return a;
    }

    /** Found by the kill -9 torture: Map.of's order changes from JVM to JVM, so a resumed run's optimizer file differed. */
    @Test
    void theSameTensorsAndMetadataGiveTheSameBytesWhateverTheMapOrder() throws IOException {
        Tensor t = Tensor.wrap("t", randoms(3, 4), 3);
        var zFirst = new java.util.LinkedHashMap<String, String>();
        zFirst.put("steps", "16");
        zFirst.put("optimizer", "adamw");
        var aFirst = new java.util.LinkedHashMap<String, String>();
        aFirst.put("optimizer", "adamw");
        aFirst.put("steps", "16");
        Path x = tmp.resolve("x.safetensors"), y = tmp.resolve("y.safetensors");
        Safetensors.write(x, List.of(new Safetensors.Item("t", new int[]{3}, s -> s.put(t))), zFirst);
        Safetensors.write(y, List.of(new Safetensors.Item("t", new int[]{3}, s -> s.put(t))), aFirst);
        assertArrayEquals(Files.readAllBytes(x), Files.readAllBytes(y));
    }

    @Test
    void writeThenReadIsBitIdentical() throws IOException {
        float[] a = randoms(6 * 7, 1), b = randoms(5, 2);
        double[] c = {Math.PI, -1e-3, 12345.678};
        Tensor ta = Tensor.wrap("a", a, 6, 7), tb = Tensor.wrap("b", b, 5), tc = Tensor.wrap("c", c, 3);
        Path f = tmp.resolve("x.safetensors");
        Safetensors.write(f, List.of(
                new Safetensors.Item("a", new int[]{6, 7}, s -> s.put(ta)),
                new Safetensors.Item("empty", new int[]{0, 3}, s -> {}),
                new Safetensors.Item("b", new int[]{5}, s -> { s.put(tb, 0, 2); s.put(tb, 2, 3); }),
                new Safetensors.Item("c", new int[]{3}, s -> s.put(tc))),
                Map.of("format", "pt"));
        try (Safetensors.Reader r = Safetensors.open(f)) {
            assertEquals(Map.of("format", "pt"), r.metadata());
            assertEquals(List.of("a", "empty", "b", "c"), r.entries().stream().map(Safetensors.Entry::name).toList());
            assertArrayEquals(new int[]{6, 7}, r.get("a").shape());
            assertEquals("F32", r.get("a").dtype());
            Tensor ra = Tensor.zeros(DType.F32, "a", 6, 7), rb = Tensor.zeros(DType.F32, "b", 5), rc = Tensor.zeros(DType.F32, "c", 3);
            r.read(r.get("a"), ra);
            r.read(r.get("b"), rb);
            r.read(r.get("c"), rc);
            assertArrayEquals(a, ra.f);
            assertArrayEquals(b, rb.f);
            for (int i = 0; i < 3; i++) assertEquals((float) c[i], rc.f[i]);   // doubles are written rounded to float
            assertEquals(0, r.get("empty").numel());
        }
        // data starts 8-byte aligned, and the file has exactly header + data bytes
        ByteBuffer len = ByteBuffer.wrap(Files.readAllBytes(f), 0, 8).order(ByteOrder.LITTLE_ENDIAN);
        long n = len.getLong();
        assertEquals(0, (8 + n) % 8);
        assertEquals(8 + n + 4L * (42 + 5 + 3), Files.size(f));
        try (var files = Files.list(tmp)) {
            assertEquals(List.of(f), files.toList(), "no temp files left behind");
        }
    }

    @Test
    void readsFilesFromOtherWritersAndConvertsF16Bf16F64() throws IOException {
        // F16: 1.0 = 0x3C00, -2.0 = 0xC000, 65504 = 0x7BFF (max), 2^-24 = 0x0001 (smallest subnormal)
        // BF16: the top 16 bits of a float: 1.0 = 0x3F80, 3.140625 = 0x4049, -0.5 = 0xBF00
        Path f = new StFile()
                .raw16("h", "F16", new short[]{0x3C00, (short) 0xC000, 0x7BFF, 0x0001}, 2, 2)
                .raw16("bf", "BF16", new short[]{0x3F80, 0x4049, (short) 0xBF00}, 3)
                .f64("d", new double[]{0.1, -7.25}, 2)
                .f32("s", new float[]{42f})                       // a scalar: shape []
                .write(tmp.resolve("other.safetensors"));
        try (Safetensors.Reader r = Safetensors.open(f)) {
            Tensor h = Tensor.zeros(DType.F32, "h", 4), bf = Tensor.zeros(DType.F32, "bf", 3);
            Tensor d = Tensor.zeros(DType.F32, "d", 2), s = Tensor.zeros(DType.F32, "s", 1);
            r.read(r.get("h"), h);
            r.read(r.get("bf"), bf);
            r.read(r.get("d"), d);
            r.read(r.get("s"), s);
            assertArrayEquals(new float[]{1f, -2f, 65504f, (float) Math.pow(2, -24)}, h.f);
            assertArrayEquals(new float[]{1f, 3.140625f, -0.5f}, bf.f);
            assertArrayEquals(new float[]{0.1f, -7.25f}, d.f);
            assertArrayEquals(new float[]{42f}, s.f);
            assertEquals(0, r.get("s").shape().length);
            // the same into a double buffer; F64 keeps full precision there
            Tensor dd = Tensor.zeros(DType.F64, "dd", 2), hd = Tensor.zeros(DType.F64, "hd", 4);
            r.read(r.get("d"), dd);
            r.read(r.get("h"), hd);
            assertArrayEquals(new double[]{0.1, -7.25}, dd.d);
            assertArrayEquals(new double[]{1, -2, 65504, Math.pow(2, -24)}, hd.d);
        }
    }

    @Test
    void readsRangesAndColumnBlocksAtAnOffset() throws IOException {
        // a (3, 6) matrix m[r][c] = 10r + c, read as column blocks [0,2) [2,4) [4,6)
        float[] m = new float[18];
        for (int r = 0; r < 3; r++) for (int c = 0; c < 6; c++) m[r * 6 + c] = 10 * r + c;
        Path f = new StFile().f32("pad", new float[]{9, 9, 9}, 3).f32("m", m, 3, 6).write(tmp.resolve("m.safetensors"));
        try (Safetensors.Reader r = Safetensors.open(f)) {
            Tensor buf = Tensor.zeros(DType.F32, "buf", 20);
            Tensor blk = buf.view("blk", 5, 3, 2);                // destination at an offset inside a bigger array
            r.readColumns(r.get("m"), 2, 2, blk);
            assertArrayEquals(new float[]{2, 3, 12, 13, 22, 23}, Arrays.copyOfRange(buf.f, 5, 11));
            assertEquals(0f, buf.f[4]);
            assertEquals(0f, buf.f[11]);
            Tensor part = Tensor.zeros(DType.F32, "part", 4);
            r.read(r.get("m"), 7, 4, part, 0);
            assertArrayEquals(new float[]{11, 12, 13, 14}, part.f);
        }
    }

    @Test
    void readsTensorsBeyondTheFirstTwoGigabytes() throws IOException {
        // a 2.5 GB U8 hole (sparse on disk) then one small F32 tensor: its offset does not fit an int
        long hole = 2_500_000_000L;
        String header = "{\"pad\":{\"dtype\":\"U8\",\"shape\":[" + hole + "],\"data_offsets\":[0," + hole + "]},"
                + "\"w\":{\"dtype\":\"F32\",\"shape\":[2],\"data_offsets\":[" + hole + "," + (hole + 8) + "]}}";
        // shape entries must fit an int, so describe the pad as (2500000, 1000)
        header = header.replace("\"shape\":[" + hole + "]", "\"shape\":[2500000,1000]");
        Path f = tmp.resolve("big.safetensors");
        StFile.writeSparse(f, header, hole + 8);
        long dataStart = 8 + header.getBytes(StandardCharsets.UTF_8).length;
        try (RandomAccessFile raf = new RandomAccessFile(f.toFile(), "rw")) {
            raf.seek(dataStart + hole);
            raf.write(ByteBuffer.allocate(8).order(ByteOrder.LITTLE_ENDIAN).putFloat(1.25f).putFloat(-3f).array());
        }
        try (Safetensors.Reader r = Safetensors.open(f)) {
            Tensor w = Tensor.zeros(DType.F32, "w", 2);
            r.read(r.get("w"), w);
            assertArrayEquals(new float[]{1.25f, -3f}, w.f);
        }
    }

    // ---- errors: one line, naming the file and the problem --------------------------------------------

    private UserError openFails(byte[] bytes, String name) throws IOException {
        Path f = tmp.resolve(name);
        Files.write(f, bytes);
        UserError e = assertThrows(UserError.class, () -> Safetensors.open(f).close());
        assertTrue(e.getMessage().startsWith(f.toString() + ": "), e.getMessage());
        assertFalse(e.getMessage().contains("\n"), e.getMessage());
        return e;
    }

    private static byte[] withLength(long n, byte[] rest) {
        return ByteBuffer.allocate(8 + rest.length).order(ByteOrder.LITTLE_ENDIAN).putLong(n).put(rest).array();
    }

    @Test
    void rejectsShortFiles() throws IOException {
        assertTrue(openFails(new byte[5], "short.safetensors").getMessage().contains("truncated"));
    }

    @Test
    void rejectsImplausibleHeaderLength() throws IOException {
        // e.g. a text file: its first 8 bytes read as a huge number
        UserError e = openFails("hello world, not tensors".getBytes(StandardCharsets.US_ASCII), "text.safetensors");
        assertTrue(e.getMessage().contains("header length"), e.getMessage());
    }

    @Test
    void rejectsHeaderLongerThanFile() throws IOException {
        UserError e = openFails(withLength(1000, "{}".getBytes(StandardCharsets.US_ASCII)), "cut.safetensors");
        assertTrue(e.getMessage().contains("truncated") && e.getMessage().contains("1000"), e.getMessage());
    }

    @Test
    void rejectsBadJson() throws IOException {
        UserError e = openFails(withLength(5, "{\"a\":".getBytes(StandardCharsets.US_ASCII)), "json.safetensors");
        assertTrue(e.getMessage().contains("not valid JSON"), e.getMessage());
        e = openFails(withLength(2, "[]".getBytes(StandardCharsets.US_ASCII)), "array.safetensors");
        assertTrue(e.getMessage().contains("not a JSON object"), e.getMessage());
    }

    @Test
    void rejectsDuplicateNames() throws IOException {
        String h = "{\"a\":{\"dtype\":\"F32\",\"shape\":[1],\"data_offsets\":[0,4]},\"a\":{\"dtype\":\"F32\",\"shape\":[1],\"data_offsets\":[4,8]}}";
        UserError e = openFails(new StFile().assemble(h), "dup.safetensors");
        assertTrue(e.getMessage().contains("not valid JSON") && e.getMessage().contains("Duplicate field 'a'"), e.getMessage());
    }

    @Test
    void rejectsMalformedEntries() throws IOException {
        String noDtype = "{\"w\":{\"shape\":[1],\"data_offsets\":[0,4]}}";
        assertTrue(openFails(new StFile().f32("x", new float[1]).assemble(noDtype), "nodtype.safetensors")
                .getMessage().contains("'w' has no dtype"));
        String badShape = "{\"w\":{\"dtype\":\"F32\",\"shape\":[-1],\"data_offsets\":[0,4]}}";
        assertTrue(openFails(new StFile().f32("x", new float[1]).assemble(badShape), "shape.safetensors")
                .getMessage().contains("'w' has a bad shape"));
        String badOffsets = "{\"w\":{\"dtype\":\"F32\",\"shape\":[1],\"data_offsets\":[4]}}";
        assertTrue(openFails(new StFile().f32("x", new float[1]).assemble(badOffsets), "off.safetensors")
                .getMessage().contains("'w' needs data_offsets"));
    }

    @Test
    void rejectsOffsetsThatDisagreeWithShape() throws IOException {
        String h = "{\"w\":{\"dtype\":\"F32\",\"shape\":[2,3],\"data_offsets\":[0,20]}}";
        UserError e = openFails(new StFile().f32("x", new float[6]).assemble(h), "size.safetensors");
        assertTrue(e.getMessage().contains("'w' F32 [2, 3] needs 24 bytes") && e.getMessage().contains("span 20"), e.getMessage());
    }

    @Test
    void rejectsTruncatedData() throws IOException {
        byte[] whole = new StFile().f32("a", new float[4], 4).f32("w", new float[100], 10, 10).bytes();
        UserError e = openFails(Arrays.copyOf(whole, whole.length - 10), "trunc.safetensors");
        assertTrue(e.getMessage().contains("truncated") && e.getMessage().contains("'w'"), e.getMessage());
    }

    @Test
    void rejectsOverlappingTensors() throws IOException {
        String h = "{\"a\":{\"dtype\":\"F32\",\"shape\":[2],\"data_offsets\":[0,8]},\"b\":{\"dtype\":\"F32\",\"shape\":[2],\"data_offsets\":[4,12]}}";
        UserError e = openFails(new StFile().f32("x", new float[3]).assemble(h), "overlap.safetensors");
        assertTrue(e.getMessage().contains("'a' and 'b' overlap"), e.getMessage());
    }

    @Test
    void refusesToReadIntegerTensors() throws IOException {
        Path f = new StFile().raw("ids", "I64", new byte[16], 2).write(tmp.resolve("int.safetensors"));
        try (Safetensors.Reader r = Safetensors.open(f)) {   // the header itself is fine
            UserError e = assertThrows(UserError.class, () -> r.read(r.get("ids"), Tensor.zeros(DType.F32, "x", 2)));
            assertTrue(e.getMessage().startsWith(f + ": ") && e.getMessage().contains("dtype I64"), e.getMessage());
        }
    }

    @Test
    void reportsMissingFileAndDirectory() {
        Path f = tmp.resolve("nope.safetensors");
        UserError e = assertThrows(UserError.class, () -> Safetensors.open(f));
        assertEquals(f + ": file not found", e.getMessage());
        UserError d = assertThrows(UserError.class, () -> Safetensors.open(tmp));
        assertTrue(d.getMessage().startsWith(tmp + ": ") && d.getMessage().contains("directory"), d.getMessage());
    }

    @Test
    void failedWriteLeavesTheOldFileAndNoTempFile() throws IOException {
        Path f = tmp.resolve("keep.safetensors");
        Files.writeString(f, "old");
        Tensor t = Tensor.wrap("t", new float[4], 4);
        assertThrows(IllegalStateException.class, () -> Safetensors.write(f,
                List.of(new Safetensors.Item("t", new int[]{4}, s -> s.put(t, 0, 3))), Map.of()));  // producer writes too few
        assertEquals("old", Files.readString(f));
        try (var files = Files.list(tmp)) {
            assertEquals(List.of(f), files.toList());
        }
    }
}
