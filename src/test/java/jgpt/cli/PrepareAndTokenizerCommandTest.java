package jgpt.cli;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import jgpt.TestData;
import jgpt.tokenizer.BpeTokenizer;
import jgpt.tokenizer.Tokenizers;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;

import static org.junit.jupiter.api.Assertions.*;

class PrepareAndTokenizerCommandTest {
    @TempDir Path dir;
    private final ByteArrayOutputStream out = new ByteArrayOutputStream(), err = new ByteArrayOutputStream();
    private PrintStream oldOut, oldErr;

    @BeforeEach void capture() {
        oldOut = System.out;
        oldErr = System.err;
        System.setOut(new PrintStream(out, true, StandardCharsets.UTF_8));
        System.setErr(new PrintStream(err, true, StandardCharsets.UTF_8));
    }

    @AfterEach void restore() {
        System.setOut(oldOut);
        System.setErr(oldErr);
    }

    private JsonNode lastJson() throws Exception {
        String[] lines = out.toString(StandardCharsets.UTF_8).strip().split("\n");
        return new ObjectMapper().readTree(lines[lines.length - 1]);
    }

    @Test void prepareJson() throws Exception {
        Path o = dir.resolve("o");
        assertEquals(0, Main.run("prepare", "--input", TestData.shakespeare().toString(), "--tokenizer", "char", "--out", o.toString(), "--json"));
        JsonNode j = lastJson();
        assertEquals(1_115_394, j.get("tokens").asLong());
        assertEquals(65, j.get("vocab_size").asInt());
        assertEquals(o.resolve("val.bin").toString(), j.get("val").asText());
        assertTrue(Files.exists(o.resolve("tokenizer.json")));
    }

    @Test void prepareTextSummarySaysWhenThereIsNoVal() throws Exception {
        Path in = dir.resolve("in.txt");
        Files.writeString(in, "some text\n");
        assertEquals(0, Main.run("prepare", "--input", in.toString(), "--val-fraction", "0", "--out", dir.resolve("o").toString()));
        String s = out.toString(StandardCharsets.UTF_8);
        assertTrue(s.contains("10 tokens") && s.contains("no val.bin"), s);
    }

    @Test void prepareErrorsAreOneLineWithExitCode2() throws Exception {
        Path in = dir.resolve("bad.txt");
        Files.write(in, new byte[] {'o', 'k', (byte) 0xFF});
        assertEquals(2, Main.run("prepare", "--input", in.toString(), "--out", dir.resolve("o").toString()));
        String e = err.toString(StandardCharsets.UTF_8).strip();
        assertTrue(e.startsWith("jgpt: ") && e.contains("byte offset 2") && !e.contains("\n"), e);
        assertEquals(2, Main.run("prepare", "--input", in.toString(), "--tokenizer", "bert", "--out", dir.resolve("o").toString()));
    }

    @Test void tokenizerTrainEncodeDecode() throws Exception {
        Path f = dir.resolve("bpe.json");
        assertEquals(0, Main.run("tokenizer", "train", "--input", TestData.shakespeare().toString(), "--vocab-size", "300", "--out", f.toString(), "--json"));
        JsonNode j = lastJson();
        assertEquals(300, j.get("vocab_size").asInt());
        assertInstanceOf(BpeTokenizer.class, Tokenizers.load(f));

        out.reset();
        assertEquals(0, Main.run("tokenizer", "encode", "--json", "hello", "world"));
        JsonNode enc = lastJson();
        assertEquals(31373, enc.get("ids").get(0).asInt()); // tiktoken tests: "hello world" -> [31373, 995]
        assertEquals(" world", enc.get("tokens").get(1).asText());

        out.reset();
        assertEquals(0, Main.run("tokenizer", "decode", "--tokenizer", f.toString(), "--json", "104", "105"));
        assertEquals("hi", lastJson().get("text").asText());
        assertEquals(2, Main.run("tokenizer", "decode", "50257"));
        assertEquals(2, Main.run("tokenizer", "train", "--input", TestData.shakespeare().toString(), "--vocab-size", "100", "--out", f.toString()));
    }
}
