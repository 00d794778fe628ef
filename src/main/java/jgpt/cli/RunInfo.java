package jgpt.cli;

import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.nio.file.Path;
import jgpt.UserError;
import jgpt.io.AtomicFiles;

/**
 * RUNDIR/run.json: where a run's data came from and what its bits depend on (kernels, replicas), so
 * --resume needs no other flag and continues with the same numbers. threads is informative only.
 */
@com.fasterxml.jackson.annotation.JsonIgnoreProperties(ignoreUnknown = true)
record RunInfo(String data, String valData, String tokenizer, int threads, String kernels, int replicas) {
    private static final ObjectMapper JSON = new ObjectMapper();

    static void write(Path run, RunInfo info) throws IOException {
        AtomicFiles.write(run.resolve("run.json"), JSON.writerWithDefaultPrettyPrinter().writeValueAsBytes(info));
    }

    static RunInfo read(Path run) {
        try {
            return JSON.readValue(run.resolve("run.json").toFile(), RunInfo.class);
        } catch (IOException e) {
            throw new UserError(run.resolve("run.json") + ": cannot read the run's description (" + e.getMessage() + ")");
        }
    }
}
