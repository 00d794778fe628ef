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

    @BeforeAll static void trainOnce() throws Exception {
        text = tmp.resolve("tiny.txt");
        Files.writeString(text, "to be or not to be, that is the question. ".repeat(40));
        CliRun.Run r = CliRun.run("train", "--data", text.toString(), "--tokenizer", "char", "--layers", "1", "--heads", "2", "--embd", "8",
                "--batch", "2", "--block", "8", "--steps", "2", "--eval-every", "0", "--threads", "1", "--kernels", "naive",
                "--cache", tmp.resolve("cache").toString(), "--out", tmp.resolve("base").toString());
        assertEquals(0, r.code, r.out + r.err);
    }

    /** A fresh copy of a small finished run with a checkpoint. */
    static Path run(String name) throws Exception {
        Path base = tmp.resolve("base"), run = tmp.resolve(name);
        try (var s = Files.walk(base)) {
            for (Path p : s.toList()) {
                Path q = run.resolve(base.relativize(p).toString());
                if (Files.isDirectory(p)) Files.createDirectories(q); else Files.copy(p, q);
            }
        }
        return run;
    }

    /** Sets the last float of a safetensors file (the last tensor's last element). */
    static void lastFloat(Path file, float v) throws Exception {
        byte[] b = Files.readAllBytes(file);
        java.nio.ByteBuffer.wrap(b).order(java.nio.ByteOrder.LITTLE_ENDIAN).putFloat(b.length - 4, v);
        Files.write(file, b);
    }

    @Test void nanWeightsAndMomentsAreNamedAtLoad() throws Exception {
        Path run = run("nan-weights");
        lastFloat(run.resolve("model.safetensors"), Float.NaN);
        String err = CliRun.fails("sample", "--model", run.toString(), "--tokens", "3");     // generated text from NaN logits before
        assertTrue(err.contains("holds NaN"), err);
        lastFloat(run.resolve("checkpoint/optimizer.safetensors"), Float.POSITIVE_INFINITY);
        err = CliRun.fails("train", "--resume", run.toString(), "--steps", "3", "--threads", "1");
        assertTrue(err.contains("optimizer.safetensors") && err.contains("Infinity"), err);
    }

    @Test void aTruncatedCheckpointStateIsOneLine() throws Exception {
        Path run = run("truncated-state");
        Path state = run.resolve("checkpoint/state.json");
        byte[] b = Files.readAllBytes(state);
        Files.write(state, java.util.Arrays.copyOf(b, b.length / 2));
        String err = CliRun.fails("train", "--resume", run.toString(), "--steps", "3", "--threads", "1");    // Jackson's message had a second line "at [Source: …]"
        assertTrue(err.contains("state.json") && err.contains("unreadable checkpoint state"), err);
    }

    @Test void aCheckpointStateWithoutItsTrainingConfigIsOneLine() throws Exception {
        Path run = run("no-train-config");
        Path state = run.resolve("checkpoint/state.json");
        var om = new com.fasterxml.jackson.databind.ObjectMapper();
        var root = (com.fasterxml.jackson.databind.node.ObjectNode) om.readTree(state.toFile());
        root.remove("train");
        Files.writeString(state, root.toString());
        String err = CliRun.fails("train", "--resume", run.toString(), "--steps", "3", "--threads", "1");    // was a NullPointerException
        assertTrue(err.contains("lacks \"train\""), err);
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
