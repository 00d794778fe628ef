package jgpt.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import jgpt.io.ModelStore;
import jgpt.model.Config;
import jgpt.model.GPT;
import jgpt.tensor.DType;
import jgpt.tensor.NaiveKernels;
import jgpt.tokenizer.Tokenizers;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** `jgpt sample` end to end on a tiny model with GPT-2's vocabulary (so no tokenizer.json is needed). */
class SampleCommandTest {
    @TempDir static Path tmp;
    static Path modelDir;



    static String[] args(String... extra) {
        List<String> a = new ArrayList<>(List.of("sample", "--model", modelDir.toString()));
        a.addAll(List.of(extra));
        return a.toArray(String[]::new);
    }

    @BeforeAll
    static void saveTinyModel() {
        GPT m = new GPT(Config.gpt2(50257, 16, 1, 2, 8), DType.F32, new NaiveKernels()).initGpt2(3);
        modelDir = tmp.resolve("tiny");
        ModelStore.save(modelDir, m);
    }

    @Test
    void streamsTheContinuationAndEndsWithJson() throws Exception {
        CliRun.Run r = CliRun.run(args("--prompt", "Hello, world", "--tokens", "12", "--temperature", "1.0", "--seed", "7", "--json"));
        assertEquals(0, r.code(), r.err());
        JsonNode j = r.json();
        assertEquals(12, j.get("tokens").asInt());
        assertTrue(j.get("tokens_per_s").asDouble() > 0);
        assertEquals(12, j.get("ids").size());
        String text = j.get("text").asText();
        // streamed stdout = prompt echo + continuation, then the JSON line
        assertTrue(r.out().startsWith("Hello, world" + text + "\n"), r.out());
        // streaming piece by piece printed exactly what one decode of all the new ids gives
        int[] ids = new int[12];
        for (int i = 0; i < 12; i++) ids[i] = j.get("ids").get(i).asInt();
        assertEquals(Tokenizers.load(modelDir).decode(ids), text);
        assertTrue(r.err().contains("tokens/s"), r.err());
    }

    @Test
    void aSeedGivesTheSameTextEveryTime() throws Exception {
        String a = CliRun.run(args("--prompt", "The", "--tokens", "10", "--temperature", "1.5", "--top-k", "0", "--seed", "3", "--json")).json().get("text").asText();
        String b = CliRun.run(args("--prompt", "The", "--tokens", "10", "--temperature", "1.5", "--top-k", "0", "--seed", "3", "--json")).json().get("text").asText();
        String c = CliRun.run(args("--prompt", "The", "--tokens", "10", "--temperature", "1.5", "--top-k", "0", "--seed", "4", "--json")).json().get("text").asText();
        assertEquals(a, b);
        assertFalse(a.equals(c), "another seed should give other text");
        String g1 = CliRun.run(args("--prompt", "The", "--tokens", "6", "--temperature", "0", "--seed", "1", "--json")).json().get("text").asText();
        String g2 = CliRun.run(args("--prompt", "The", "--tokens", "6", "--temperature", "0", "--seed", "2", "--json")).json().get("text").asText();
        assertEquals(g1, g2, "greedy ignores the seed");
    }

    @Test
    void defaultPromptIsEndOfTextAndIsNotEchoed() throws Exception {
        CliRun.Run r = CliRun.run(args("--tokens", "5", "--top-p", "0.9", "--json"));
        assertEquals(0, r.code(), r.err());
        JsonNode j = r.json();
        assertEquals("", j.get("prompt").asText());
        assertTrue(r.out().startsWith(j.get("text").asText() + "\n"));
    }

    @Test
    void aPromptLongerThanTheContextIsCroppedAndGenerationSlides() throws Exception {
        CliRun.Run r = CliRun.run(args("--prompt", "one two three four five six seven eight nine ten eleven twelve thirteen fourteen fifteen sixteen seventeen",
                "--tokens", "20", "--json"));
        assertEquals(0, r.code(), r.err());
        assertTrue(r.err().contains("the model sees its last 16"), r.err());
        assertEquals(20, r.json().get("tokens").asInt());
    }

    @Test
    void userMistakesAreOneLineErrorsWithExitCode2() {
        String[][] bad = {
                {"--temperature", "-0.5"}, {"--top-p", "0"}, {"--top-p", "1.5"}, {"--top-k", "-1"}, {"--tokens", "0"}, {"--prompt", ""}};
        String[] flag = {"--temperature", "--top-p", "--top-p", "--top-k", "--tokens", "prompt"};
        for (int i = 0; i < bad.length; i++) {
            CliRun.Run r = CliRun.run(args(bad[i]));
            assertEquals(2, r.code(), String.join(" ", bad[i]) + ": " + r.err());
            assertTrue(r.err().startsWith("jgpt: ") && r.err().contains(flag[i]), r.err());
            assertFalse(r.err().contains("\tat "), "no stack trace: " + r.err());
        }
        CliRun.Run r = CliRun.run("sample", "--model", tmp.resolve("nope").toString());
        assertEquals(2, r.code());
        assertTrue(r.err().startsWith("jgpt: ") && r.err().contains("nope"), r.err());
    }
}
