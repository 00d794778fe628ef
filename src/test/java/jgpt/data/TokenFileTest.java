package jgpt.data;

import jgpt.UserError;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Random;

import static org.junit.jupiter.api.Assertions.*;

class TokenFileTest {
    @TempDir Path dir;

    @Test void writesTheLlmcLayoutAndReadsItBack() throws Exception {
        int[] toks = new int[5000];
        Random r = new Random(1);
        for (int i = 0; i < toks.length; i++) toks[i] = r.nextInt(65536);
        toks[0] = 65535;
        Path f = dir.resolve("t.bin");
        TokenFile.write(f, toks, 65536);
        // the bytes, as llm.c's dataloader reads them
        ByteBuffer b = ByteBuffer.wrap(Files.readAllBytes(f)).order(ByteOrder.LITTLE_ENDIAN);
        assertEquals(1024 + 2 * toks.length, b.capacity());
        assertEquals(20240520, b.getInt(0));
        assertEquals(1, b.getInt(4));
        assertEquals(toks.length, b.getInt(8));
        for (int i = 3; i < 256; i++) assertEquals(0, b.getInt(4 * i));
        assertEquals(toks[7], Short.toUnsignedInt(b.getShort(1024 + 2 * 7)));
        try (TokenFile t = TokenFile.open(f)) {
            assertEquals(TokenFile.Format.LLMC, t.format());
            assertEquals(toks.length, t.size());
            assertArrayEquals(toks, t.toArray());
            assertEquals(65535, t.maxToken());
            int[] part = new int[10];
            t.read(100, part, 0, 10);
            for (int i = 0; i < 10; i++) assertEquals(toks[100 + i], part[i]);
        }
        assertEquals(1, Files.list(dir).count(), "no temp file left behind");
    }

    @Test void readsHeaderlessNanoGptFiles() throws Exception {
        ByteBuffer b = ByteBuffer.allocate(2 * 4).order(ByteOrder.LITTLE_ENDIAN);
        b.putShort((short) 46).putShort((short) 50256).putShort((short) 0).putShort((short) 1);
        Path f = dir.resolve("train.bin");
        Files.write(f, b.array());
        try (TokenFile t = TokenFile.open(f)) {
            assertEquals(TokenFile.Format.NANOGPT, t.format());
            assertArrayEquals(new int[] {46, 50256, 0, 1}, t.toArray());
        }
        assertTrue(assertThrows(UserError.class, () -> TokenFile.open(f, TokenFile.Format.LLMC)).getMessage().contains("bad magic"));
    }

    @Test void streamingWriterCountsAndCommitsOnlyOnClose() throws Exception {
        Path f = dir.resolve("s.bin");
        try (TokenFile.Writer w = TokenFile.writer(f, 100)) {
            for (int i = 0; i < 100_000; i++) w.write(i % 100);
            assertEquals(100_000, w.count());
            assertFalse(Files.exists(f), "the target appears only when complete");
            w.finish();
        }
        try (TokenFile t = TokenFile.open(f)) {
            assertEquals(100_000, t.size());
            assertEquals(99, t.get(99_999));
        }
        try (TokenFile.Writer w = TokenFile.writer(dir.resolve("aborted.bin"), 10)) {
            w.write(3); // no finish(): an exception here would leave no file either
        }
        assertFalse(Files.exists(dir.resolve("aborted.bin")));
        assertEquals(1, Files.list(dir).count());
    }

    @Test void errorsNameTheFile() throws Exception {
        Path missing = dir.resolve("nope.bin");
        assertMessage(() -> TokenFile.open(missing), "nope.bin", "does not exist");

        Path f = dir.resolve("t.bin");
        TokenFile.write(f, new int[] {1, 2, 3, 4}, 10);
        byte[] full = Files.readAllBytes(f);
        Path truncated = dir.resolve("truncated.bin");
        Files.write(truncated, java.util.Arrays.copyOf(full, full.length - 2));
        assertMessage(() -> TokenFile.open(truncated), "truncated.bin", "truncated", "4 tokens");
        Path shortHeader = dir.resolve("short.bin");
        Files.write(shortHeader, java.util.Arrays.copyOf(full, 100));
        assertMessage(() -> TokenFile.open(shortHeader), "short.bin", "truncated");
        Path extra = dir.resolve("extra.bin");
        Files.write(extra, java.util.Arrays.copyOf(full, full.length + 6));
        assertMessage(() -> TokenFile.open(extra), "extra.bin", "6 bytes after");

        ByteBuffer model = ByteBuffer.allocate(2048).order(ByteOrder.LITTLE_ENDIAN).putInt(0, 20240326).putInt(4, 3);
        Path ckpt = dir.resolve("gpt2_124M.bin");
        Files.write(ckpt, model.array());
        assertMessage(() -> TokenFile.open(ckpt), "gpt2_124M.bin", "bad magic 20240326");

        ByteBuffer v2 = ByteBuffer.wrap(full.clone()).order(ByteOrder.LITTLE_ENDIAN).putInt(4, 2);
        Path version = dir.resolve("v2.bin");
        Files.write(version, v2.array());
        assertMessage(() -> TokenFile.open(version), "v2.bin", "version 2");

        Path odd = dir.resolve("odd.bin");
        Files.write(odd, new byte[] {1, 2, 3});
        assertMessage(() -> TokenFile.open(odd), "odd.bin", "odd byte length");

        assertMessage(() -> TokenFile.open(dir), dir.toString(), "directory");
        assertMessage(() -> TokenFile.writer(dir.resolve("big.bin"), 70_000), "big.bin", "70000");
        assertThrows(IllegalArgumentException.class, () -> TokenFile.write(dir.resolve("r.bin"), new int[] {10}, 10));
        assertFalse(Files.exists(dir.resolve("r.bin")));
    }

    @Test void splitAtMovesTheTailToANewFile() {
        int[] toks = new int[1000];
        for (int i = 0; i < toks.length; i++) toks[i] = i;
        Path all = dir.resolve("all.bin"), head = dir.resolve("train.bin"), tail = dir.resolve("val.bin");
        TokenFile.write(all, toks, 1000);
        TokenFile.splitAt(all, 900, head, tail);
        assertFalse(Files.exists(all));
        try (TokenFile h = TokenFile.open(head); TokenFile t = TokenFile.open(tail)) {
            assertEquals(900, h.size());
            assertEquals(100, t.size());
            assertEquals(899, h.get(899));
            assertEquals(900, t.get(0));
            assertEquals(999, t.get(99));
        }
    }

    static void assertMessage(org.junit.jupiter.api.function.Executable run, String... parts) {
        UserError e = assertThrows(UserError.class, run);
        for (String p : parts) assertTrue(e.getMessage().contains(p), "'" + e.getMessage() + "' should mention " + p);
        assertFalse(e.getMessage().contains("\n"), "one line");
    }
}
