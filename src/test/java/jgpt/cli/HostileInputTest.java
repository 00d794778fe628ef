package jgpt.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Damaged files the hostile-file torture (RELIABILITY.md) found answered in more than one line or with a stack trace. */
class HostileInputTest {
    @TempDir static Path tmp;
    static Path text;

    @BeforeAll static void text() throws Exception {
        text = tmp.resolve("tiny.txt");
        Files.writeString(text, "to be or not to be, that is the question. ".repeat(40));
    }

    /** A fresh copy of a small finished run with a checkpoint. */
    static Path run(String name) {
        Path run = tmp.resolve(name);
        CliRun.Run r = CliRun.run("train", "--data", text.toString(), "--tokenizer", "char", "--layers", "1", "--heads", "2", "--embd", "8",
                "--batch", "2", "--block", "8", "--steps", "2", "--eval-every", "0", "--threads", "1", "--kernels", "naive",
                "--cache", tmp.resolve("cache").toString(), "--out", run.toString());
        assertEquals(0, r.code, r.out + r.err);
        return run;
    }

    @Test void aTruncatedCheckpointStateIsOneLine() throws Exception {
        Path run = run("truncated-state");
        Path state = run.resolve("checkpoint/state.json");
        byte[] b = Files.readAllBytes(state);
        Files.write(state, java.util.Arrays.copyOf(b, b.length / 2));
        String err = CliRun.fails("train", "--resume", run.toString(), "--steps", "3", "--threads", "1");    // Jackson's message had a second line "at [Source: …]"
        assertTrue(err.contains("state.json") && err.contains("unreadable checkpoint state"), err);
    }

    @Test void aTokenizerWithAControlCharacterIsOneLine() throws Exception {
        Path run = run("bad-tokenizer");
        Path tok = run.resolve("tokenizer.json");
        Files.writeString(tok, Files.readString(tok).replaceFirst("\"", "\"\u0000"));
        String err = CliRun.fails("sample", "--model", run.toString(), "--tokens", "3");
        assertTrue(err.contains("tokenizer.json"), err);
    }

    @Test void resumeRefusesDataWithTokensOutsideTheVocabulary() throws Exception {
        Path run = run("bad-tokens");
        Path cache = tmp.resolve("cache");
        Path trainBin;
        try (var s = Files.walk(cache)) {
            trainBin = s.filter(p -> p.getFileName().toString().equals("train.bin")).findFirst().orElseThrow();
        }
        Path copy = tmp.resolve("bad-tokens.bin");
        byte[] b = Files.readAllBytes(trainBin);
        java.nio.ByteBuffer.wrap(b).order(java.nio.ByteOrder.LITTLE_ENDIAN).putShort(b.length - 2, (short) 60000);   // the last token
        Files.write(copy, b);
        Path info = run.resolve("run.json");
        Files.writeString(info, Files.readString(info).replaceFirst("\"data\" : \"[^\"]*\"", "\"data\" : \"" + copy + "\""));
        String err = CliRun.fails("train", "--resume", run.toString(), "--steps", "3", "--threads", "1");   // was trained on: embeddings read out of range
        assertTrue(err.contains("token id 60000") && err.contains("vocabulary"), err);
    }

    @Test void aPathWithANulCharacterInRunJsonIsAUserError() throws Exception {
        Path run = run("nul-path");
        Path info = run.resolve("run.json");
        Files.writeString(info, Files.readString(info).replaceFirst("\"data\" : \"", "\"data\" : \"\\\\u0000"));   // was an InvalidPathException stack trace
        String err = CliRun.fails("train", "--resume", run.toString(), "--steps", "3", "--threads", "1");
        assertTrue(err.contains("not a usable path"), err);
    }
}
