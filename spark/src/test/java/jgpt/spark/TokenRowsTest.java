package jgpt.spark;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import java.util.SplittableRandom;
import jgpt.data.TokenFile;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Executors' byte-range reads through Hadoop's FileSystem give the rows the driver's mapped TokenFile gives, in both layouts. */
class TokenRowsTest {
    @TempDir Path tmp;

    @Test void byteRangeReadsMatchTheMappedFile() throws Exception {
        int n = 5000, T = 16;
        int[] tokens = new SplittableRandom(3).ints(n, 0, 65536).toArray();
        Path llmc = tmp.resolve("train.bin");
        TokenFile.write(llmc, tokens, 65536);
        ByteBuffer raw = ByteBuffer.allocate(2 * n).order(ByteOrder.LITTLE_ENDIAN);
        for (int t : tokens) raw.putShort((short) t);
        Path nano = tmp.resolve("nano.bin");
        Files.write(nano, raw.array());

        long[] starts = new SplittableRandom(5).longs(6, 0, n - T - 1).toArray();
        for (Path p : new Path[] {llmc, nano}) {
            try (TokenFile f = TokenFile.open(p)) {
                TokenRows rows = new TokenRows(p.toUri().toString(), f.dataOffset(), f.size());
                int r0 = 2, count = 3;
                int[] x = new int[count * T], y = new int[count * T], wantX = new int[count * T], wantY = new int[count * T];
                rows.read(starts, r0, count, T, x, y, Map.of());
                for (int r = 0; r < count; r++) {
                    f.read(starts[r0 + r], wantX, r * T, T);
                    f.read(starts[r0 + r] + 1, wantY, r * T, T);
                }
                assertArrayEquals(wantX, x, p.toString());
                assertArrayEquals(wantY, y, p.toString());
            }
        }
    }
}
