package jgpt.tensor;

import java.util.Arrays;

/**
 * A named view of {@code size} consecutive elements in a flat primitive buffer.
 * Exactly one of {@link #f} / {@link #d} is non-null. Views are created once, when a model or its
 * activation buffers are built, so hot loops pass them around without allocating.
 * Fast kernels index {@code f[off + i]} directly; {@link #get}/{@link #set} serve reference code.
 */
public final class Tensor {
    public final String name;
    public final int[] shape;
    public final float[] f;
    public final double[] d;
    public final int off;
    public final int size;

    private Tensor(String name, float[] f, double[] d, int off, int[] shape) {
        this.name = name;
        this.f = f;
        this.d = d;
        this.off = off;
        this.shape = shape.clone();
        this.size = numel(shape);
        int cap = f != null ? f.length : d.length;
        if (off < 0 || off + (long) size > cap)
            throw new IllegalArgumentException("view " + name + " [" + off + ", +" + size + ") outside buffer of " + cap);
    }

    public static Tensor zeros(DType type, String name, int... shape) {
        long n = numelLong(shape);
        if (n > Integer.MAX_VALUE - 8) throw new IllegalArgumentException(name + ": " + n + " elements do not fit one Java array");
        return type == DType.F32 ? new Tensor(name, new float[(int) n], null, 0, shape)
                                 : new Tensor(name, null, new double[(int) n], 0, shape);
    }

    public static Tensor wrap(String name, float[] a, int... shape) { return new Tensor(name, a, null, 0, shape); }
    public static Tensor wrap(String name, double[] a, int... shape) { return new Tensor(name, null, a, 0, shape); }

    /** A view at {@code offset} elements past this view's start. */
    public Tensor view(String name, int offset, int... shape) {
        return new Tensor(name, f, d, off + offset, shape);
    }

    public DType dtype() { return f != null ? DType.F32 : DType.F64; }

    public double get(int i) { return f != null ? f[off + i] : d[off + i]; }
    public void set(int i, double v) { if (f != null) f[off + i] = (float) v; else d[off + i] = v; }
    public void add(int i, double v) { if (f != null) f[off + i] += (float) v; else d[off + i] += v; }

    public void zero() { fill(0); }
    public void fill(double v) {
        if (f != null) Arrays.fill(f, off, off + size, (float) v); else Arrays.fill(d, off, off + size, v);
    }

    public void copyFrom(Tensor src) {
        if (src.size != size) throw new IllegalArgumentException("copy " + src.name + " -> " + name + ": size " + src.size + " vs " + size);
        copyFrom(src, 0, 0, size);
    }

    /** Elements [dstOff, dstOff + count) of this = elements [srcOff, srcOff + count) of src. */
    public void copyFrom(Tensor src, int srcOff, int dstOff, int count) {
        if (f != null && src.f != null) System.arraycopy(src.f, src.off + srcOff, f, off + dstOff, count);
        else if (d != null && src.d != null) System.arraycopy(src.d, src.off + srcOff, d, off + dstOff, count);
        else for (int i = 0; i < count; i++) set(dstOff + i, src.get(srcOff + i));
    }

    public double[] toDoubles() {
        double[] out = new double[size];
        for (int i = 0; i < size; i++) out[i] = get(i);
        return out;
    }

    public float[] toFloats() {
        float[] out = new float[size];
        for (int i = 0; i < size; i++) out[i] = (float) get(i);
        return out;
    }

    public static int numel(int... shape) { return (int) numelLong(shape); }
    public static long numelLong(int... shape) {
        long n = 1;
        for (int s : shape) n *= s;
        return n;
    }

    @Override public String toString() { return name + Arrays.toString(shape) + (f != null ? " f32" : " f64"); }
}
