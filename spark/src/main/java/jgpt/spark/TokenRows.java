package jgpt.spark;

import java.io.IOException;
import java.io.Serializable;
import java.io.UncheckedIOException;
import java.util.Map;
import org.apache.hadoop.conf.Configuration;
import org.apache.hadoop.fs.FSDataInputStream;
import org.apache.hadoop.fs.FileSystem;
import org.apache.hadoop.fs.Path;

/**
 * A token file as executors see it: read through Hadoop's FileSystem (file://, hdfs://, s3a://), each
 * row by its own byte range, so the corpus never passes through the driver.
 *
 * @param uri        the file, readable from every executor
 * @param dataOffset byte offset of token 0 (llm.c header: 1024)
 * @param tokens     the file's token count
 */
record TokenRows(String uri, long dataOffset, long tokens) implements Serializable {

    /** Fills x, y (rows·T each) with rows [r0, r0+rows) of a batch whose row starts are {@code starts}. */
    void read(long[] starts, int r0, int rows, int T, int[] x, int[] y, Map<String, String> hadoop) {
        Configuration conf = new Configuration();
        hadoop.forEach(conf::set);
        Path path = new Path(uri);
        byte[] buf = new byte[2 * (T + 1)];
        try (FSDataInputStream in = path.getFileSystem(conf).open(path)) {
            for (int r = 0; r < rows; r++) {
                long s = starts[r0 + r];
                if (s < 0 || s + T + 1 > tokens) throw new IllegalArgumentException("row start " + s + " outside " + uri + " (" + tokens + " tokens)");
                in.readFully(dataOffset + 2 * s, buf, 0, buf.length);
                for (int t = 0; t < T; t++) {
                    x[r * T + t] = u16(buf, t);
                    y[r * T + t] = u16(buf, t + 1);
                }
            }
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read " + uri + ": " + e.getMessage(), e);
        }
    }

    private static int u16(byte[] b, int i) { return (b[2 * i] & 0xFF) | (b[2 * i + 1] & 0xFF) << 8; }
}
