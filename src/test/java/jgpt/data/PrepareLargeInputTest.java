package jgpt.data;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import jgpt.TestData;
import jgpt.tokenizer.Tokenizer;
import jgpt.tokenizer.Tokenizers;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.RandomAccessFile;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.List;
import java.util.Random;

import static org.junit.jupiter.api.Assertions.*;

/** prepare streams: a 48 MB heap tokenizes a ~100 MB text (run as a child JVM, like a user would). */
class PrepareLargeInputTest {
    @Test void preparesATextLargerThanTheHeap(@TempDir Path dir) throws Exception {
        byte[] shakespeare = Files.readAllBytes(TestData.shakespeare()); // ASCII: byte offset == char offset
        Path big = dir.resolve("big.txt");
        int copies = 90;
        try (FileChannel ch = FileChannel.open(big, StandardOpenOption.CREATE_NEW, StandardOpenOption.WRITE)) {
            for (int i = 0; i < copies; i++) ch.write(ByteBuffer.wrap(shakespeare));
        }
        long n = Files.size(big);
        assertTrue(n > 100_000_000L, "input " + n + " bytes");

        String javaBin = Path.of(System.getProperty("java.home"), "bin", "java").toString();
        Path out = dir.resolve("out");
        Process p = new ProcessBuilder(List.of(javaBin, "-Xmx48m", "-cp", System.getProperty("java.class.path"), "jgpt.cli.Main",
                "prepare", "--input", big.toString(), "--tokenizer", "char", "--val-fraction", "0.1", "--out", out.toString(), "--json"))
                .redirectErrorStream(true).start();
        String output = new String(p.getInputStream().readAllBytes());
        assertEquals(0, p.waitFor(), output);
        String[] lines = output.strip().split("\n");
        JsonNode summary = new ObjectMapper().readTree(lines[lines.length - 1]);
        assertEquals(n, summary.get("tokens").asLong());
        assertEquals(65, summary.get("vocab_size").asInt());

        Tokenizer tok = Tokenizers.load(out);
        try (TokenFile train = TokenFile.open(out.resolve("train.bin")); TokenFile val = TokenFile.open(out.resolve("val.bin"));
             RandomAccessFile raw = new RandomAccessFile(big.toFile(), "r")) {
            assertEquals((long) Math.floor(n * 0.9), train.size());
            assertEquals(n, train.size() + val.size());
            Random r = new Random(5);
            byte[] buf = new byte[64];
            int[] ids = new int[64];
            for (int k = 0; k < 200; k++) {
                long at = (long) (r.nextDouble() * (n - 64));
                raw.seek(at);
                raw.readFully(buf);
                for (int i = 0; i < 64; i++) ids[i] = at + i < train.size() ? train.get(at + i) : val.get(at + i - train.size());
                assertEquals(new String(buf, StandardCharsets.US_ASCII), tok.decode(ids), "tokens at " + at);
            }
        }
    }
}
