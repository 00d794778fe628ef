package jgpt.data;

import jgpt.TestData;
import jgpt.UserError;
import jgpt.tokenizer.CharTokenizer;
import jgpt.tokenizer.Tokenizers;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.FileTime;

import static org.junit.jupiter.api.Assertions.*;

/** No test downloads: the Tiny Shakespeare paths use a local copy, and "offline" is a refused loopback port. */
class DatasetsTest {
    @TempDir Path cache;
    private static final URI NOWHERE = URI.create("http://127.0.0.1:9/input.txt"); // discard port: nothing listens

    @Test void tinyShakespeareFromALocalCopyWithTheRightChecksum() throws Exception {
        Path local = cache.resolve("tinyshakespeare").resolve("input.txt");
        Files.createDirectories(local.getParent());
        Files.copy(TestData.shakespeare(), local);
        Dataset d = Datasets.resolve("tinyshakespeare", null, cache, NOWHERE);
        try (TokenFile train = d.openTrain(); TokenFile val = d.openVal()) {
            assertEquals(1_003_854, train.size()); // nanoGPT's shakespeare_char split
            assertEquals(111_540, val.size());
        }
        assertEquals(65, d.tokenizer().vocabSize());
        FileTime made = Files.getLastModifiedTime(d.train());
        Dataset again = Datasets.resolve("tinyshakespeare", "char", cache, NOWHERE);
        assertEquals(d.dir(), again.dir());
        assertEquals(made, Files.getLastModifiedTime(again.train()), "prepared once, then reused");
        Dataset gpt2 = Datasets.resolve("tinyshakespeare", "gpt2", cache, NOWHERE);
        assertNotEquals(d.dir(), gpt2.dir());
        assertEquals("gpt2", gpt2.tokenizer().kind());
    }

    @Test void wrongChecksumIsRejected() throws Exception {
        Path local = cache.resolve("tinyshakespeare").resolve("input.txt");
        Files.createDirectories(local.getParent());
        Files.writeString(local, "To be, or not to be\n");
        UserError e = assertThrows(UserError.class, () -> Datasets.resolve("tinyshakespeare", null, cache, NOWHERE));
        assertTrue(e.getMessage().contains("sha256") && e.getMessage().contains(Datasets.SHAKESPEARE_SHA256), e.getMessage());
        assertEquals(Datasets.SHAKESPEARE_SHA256, Datasets.sha256(TestData.shakespeare()));
    }

    @Test void offlineSaysHowToPassALocalCopy() throws Exception {
        UserError e = assertThrows(UserError.class, () -> Datasets.resolve("tinyshakespeare", null, cache, NOWHERE));
        assertTrue(e.getMessage().contains("local copy") && e.getMessage().contains("shared/data/tinyshakespeare.txt"), e.getMessage());
        assertFalse(e.getMessage().contains("\n"));
        try (var s = Files.list(cache.resolve("tinyshakespeare"))) { assertEquals(0, s.count(), "no partial download left"); }
    }

    @Test void textFilesArePreparedOnceAndRedoneWhenChanged() throws Exception {
        Path txt = cache.resolve("notes.txt");
        Files.writeString(txt, "abcdefghij".repeat(100));
        Path c = cache.resolve("c");
        Dataset d1 = Datasets.resolve(txt.toString(), null, c);
        assertEquals(Datasets.resolve(txt.toString(), null, c).dir(), d1.dir());
        try (TokenFile t = d1.openTrain()) { assertEquals(900, t.size()); }
        Files.writeString(txt, "abcdefghijk".repeat(100));
        Files.setLastModifiedTime(txt, FileTime.fromMillis(Files.getLastModifiedTime(txt).toMillis() + 5000));
        Dataset d2 = Datasets.resolve(txt.toString(), null, c);
        assertNotEquals(d1.dir(), d2.dir());
        assertEquals(11, d2.tokenizer().vocabSize());
        assertNotEquals(d2.dir(), Datasets.resolve(txt.toString(), "gpt2", c).dir());
    }

    @Test void preparedDirectoriesAndTokenFilesAreUsedAsIs() throws Exception {
        Path txt = cache.resolve("t.txt");
        Files.writeString(txt, "hello there\n".repeat(50));
        Path prepared = cache.resolve("prep");
        Prepare.run(txt, "char", 0.1, prepared, false);
        Dataset d = Datasets.resolve(prepared.toString(), null, cache.resolve("c"));
        assertEquals(prepared.resolve("train.bin"), d.train());
        assertEquals(prepared.resolve("val.bin"), d.val());
        assertEquals("char", d.tokenizer().kind());
        UserError e = assertThrows(UserError.class, () -> Datasets.resolve(prepared.toString(), "gpt2", cache.resolve("c")));
        assertTrue(e.getMessage().contains("char tokenizer"), e.getMessage());

        Dataset single = Datasets.resolve(prepared.resolve("val.bin").toString(), null, cache.resolve("c"));
        assertEquals(prepared.resolve("val.bin"), single.train());
        assertNull(single.val());
        assertNull(single.openVal());

        Files.createDirectories(cache.resolve("emptydir"));
        assertThrows(UserError.class, () -> Datasets.resolve(cache.resolve("emptydir").toString(), null, cache.resolve("c")));
    }

    @Test void unknownNamesListTheKnownOnes() {
        UserError e = assertThrows(UserError.class, () -> Datasets.resolve("openwebtext", null, cache));
        assertTrue(e.getMessage().contains("tinyshakespeare") && e.getMessage().contains("synthetic:copy"), e.getMessage());
        e = assertThrows(UserError.class, () -> Datasets.resolve("synthetic:multiply", null, cache));
        assertTrue(e.getMessage().contains("synthetic:addition"), e.getMessage());
        assertThrows(UserError.class, () -> Datasets.resolve("synthetic:copy", "gpt2", cache));
    }

    @Test void savedTokenizerMustMatchWhenAPathIsGiven() throws Exception {
        Path txt = cache.resolve("t.txt");
        Files.writeString(txt, "abc\n".repeat(100));
        Path prepared = cache.resolve("prep");
        Prepare.run(txt, "char", 0.1, prepared, false);
        Path other = cache.resolve("other");
        Tokenizers.save(other, CharTokenizer.fromText("abcd\n"));
        assertThrows(UserError.class, () -> Datasets.resolve(prepared.toString(), other.toString(), cache.resolve("c")));
        assertEquals(prepared, Datasets.resolve(prepared.toString(), prepared.toString(), cache.resolve("c")).dir());
    }
}
