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

/** prepare streams: a small heap tokenizes a larger text (run as a child JVM, like a user would). */
class PrepareLargeInputTest {
    /** {@code copies} x Tiny Shakespeare in one file. */
    private static Path repeat(Path dir, int copies) throws Exception {
        byte[] shakespeare = Files.readAllBytes(TestData.shakespeare());
        Path big = dir.resolve("big.txt");
        try (FileChannel ch = FileChannel.open(big, StandardOpenOption.CREATE_NEW, StandardOpenOption.WRITE)) {
            for (int i = 0; i < copies; i++) ch.write(ByteBuffer.wrap(shakespeare));
        }
        return big;
    }

    /** Runs {@code jgpt prepare ... --json} with heap {@code xmx}; returns its JSON summary. */
    private static JsonNode prepareInChildJvm(String xmx, Path input, String tokenizer, Path out) throws Exception {
        String javaBin = Path.of(System.getProperty("java.home"), "bin", "java").toString();
        Process p = new ProcessBuilder(List.of(javaBin, "-Xmx" + xmx, "-cp", System.getProperty("java.class.path"), "jgpt.cli.Main",
                "prepare", "--input", input.toString(), "--tokenizer", tokenizer, "--val-fraction", "0.1", "--out", out.toString(), "--json"))
                .redirectErrorStream(true).start();
        String output = new String(p.getInputStream().readAllBytes());
        assertEquals(0, p.waitFor(), output);
        String[] lines = output.strip().split("\n");
        return new ObjectMapper().readTree(lines[lines.length - 1]);
    }

    @Test void charTokenizesATextTwiceTheSizeOfTheHeap(@TempDir Path dir) throws Exception {
        Path big = repeat(dir, 90); // ASCII: byte offset == char offset
        long n = Files.size(big);
        assertTrue(n > 100_000_000L, "input " + n + " bytes");
        Path out = dir.resolve("out");
        JsonNode summary = prepareInChildJvm("48m", big, "char", out);
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

    @Test void gpt2TokenizesATextLargerThanTheHeap(@TempDir Path dir) throws Exception {
        int copies = 31; // 34.6 MB of text for a 32 MiB heap
        Path big = repeat(dir, copies);
        assertTrue(Files.size(big) > 32L << 20);
        Path out = dir.resolve("out");
        JsonNode summary = prepareInChildJvm("32m", big, "gpt2", out);
        // Tiny Shakespeare is 338,025 GPT-2 tokens (nanoGPT's data/shakespeare/readme.md: 301,966 + 36,059). It ends in
        // ".\n" and starts with "First", a safe cut (Gpt2Tokenizer.gpt2SplitPoint), so k copies are k times its tokens.
        int[] one = new jgpt.tokenizer.Gpt2Tokenizer().encode(Files.readString(TestData.shakespeare()));
        assertEquals(338_025, one.length);
        assertEquals((long) copies * one.length, summary.get("tokens").asLong());
        try (TokenFile train = TokenFile.open(out.resolve("train.bin")); TokenFile val = TokenFile.open(out.resolve("val.bin"))) {
            for (long i = 0; i < train.size() + val.size(); i++) {
                int id = i < train.size() ? train.get(i) : val.get(i - train.size());
                if (id != one[(int) (i % one.length)]) fail("token " + i + " is " + id + ", expected " + one[(int) (i % one.length)]);
            }
        }
    }
}
