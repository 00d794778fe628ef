package jgpt.io;

import java.io.IOException;
import java.io.RandomAccessFile;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * Test-only safetensors assembler, written independently of {@link Safetensors}: header JSON by string
 * concatenation, data by hand-encoded little-endian bytes. Lets tests build files the way other tools do.
 */
final class StFile {
    record T(String name, String dtype, int[] shape, byte[] data) {}

    final List<T> tensors = new ArrayList<>();
    String metadataJson = "{\"format\":\"pt\"}";

    StFile f32(String name, float[] v, int... shape) {
        ByteBuffer b = ByteBuffer.allocate(4 * v.length).order(ByteOrder.LITTLE_ENDIAN);
        for (float x : v) b.putFloat(x);
        tensors.add(new T(name, "F32", shape, b.array()));
        return this;
    }

    StFile f64(String name, double[] v, int... shape) {
        ByteBuffer b = ByteBuffer.allocate(8 * v.length).order(ByteOrder.LITTLE_ENDIAN);
        for (double x : v) b.putDouble(x);
        tensors.add(new T(name, "F64", shape, b.array()));
        return this;
    }

    /** 16-bit raw patterns (F16 or BF16). */
    StFile raw16(String name, String dtype, short[] v, int... shape) {
        ByteBuffer b = ByteBuffer.allocate(2 * v.length).order(ByteOrder.LITTLE_ENDIAN);
        for (short x : v) b.putShort(x);
        tensors.add(new T(name, dtype, shape, b.array()));
        return this;
    }

    StFile raw(String name, String dtype, byte[] data, int... shape) {
        tensors.add(new T(name, dtype, shape, data));
        return this;
    }

    String header() {
        StringBuilder sb = new StringBuilder("{");
        if (metadataJson != null) sb.append("\"__metadata__\":").append(metadataJson);
        long at = 0;
        for (T t : tensors) {
            if (sb.length() > 1) sb.append(',');
            sb.append('"').append(t.name).append("\":{\"dtype\":\"").append(t.dtype).append("\",\"shape\":[");
            for (int i = 0; i < t.shape.length; i++) sb.append(i > 0 ? "," : "").append(t.shape[i]);
            sb.append("],\"data_offsets\":[").append(at).append(',').append(at + t.data.length).append("]}");
            at += t.data.length;
        }
        return sb.append('}').toString();
    }

    byte[] bytes() { return assemble(header()); }

    byte[] assemble(String header) {
        byte[] h = header.getBytes(StandardCharsets.UTF_8);
        int data = 0;
        for (T t : tensors) data += t.data.length;
        ByteBuffer b = ByteBuffer.allocate(8 + h.length + data).order(ByteOrder.LITTLE_ENDIAN);
        b.putLong(h.length).put(h);
        for (T t : tensors) b.put(t.data);
        return b.array();
    }

    Path write(Path file) throws IOException {
        Files.write(file, bytes());
        return file;
    }

    /** A header whose data region is a sparse hole of the right length (for full-size shape checks). */
    static void writeSparse(Path file, String header, long dataBytes) throws IOException {
        byte[] h = header.getBytes(StandardCharsets.UTF_8);
        ByteBuffer len = ByteBuffer.allocate(8).order(ByteOrder.LITTLE_ENDIAN).putLong(0, h.length);
        try (RandomAccessFile f = new RandomAccessFile(file.toFile(), "rw")) {
            f.write(len.array());
            f.write(h);
            f.setLength(8 + h.length + dataBytes);
        }
    }
}
