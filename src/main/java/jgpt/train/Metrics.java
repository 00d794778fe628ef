package jgpt.train;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.BufferedWriter;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.List;
import jgpt.io.AtomicFiles;

/** metrics.jsonl: one JSON object per step, appended and flushed line by line so a crash loses at most one line. */
final class Metrics implements AutoCloseable {
    private static final ObjectMapper JSON = new ObjectMapper();
    private final BufferedWriter w;

    Metrics(Path file) throws IOException {
        Files.createDirectories(file.toAbsolutePath().getParent());
        w = Files.newBufferedWriter(file, StandardCharsets.UTF_8, StandardOpenOption.CREATE, StandardOpenOption.APPEND);
    }

    void write(JsonNode line) throws IOException {
        w.write(JSON.writeValueAsString(line));
        w.write('\n');
        w.flush();
    }

    @Override public void close() throws IOException { w.close(); }

    /** Keeps only the lines of steps before {@code step} (a resumed run rewrites what came after its checkpoint). */
    static void truncate(Path file, long step) { truncate(file, step, 0); }

    /**
     * As {@link #truncate(Path, long)}; with evalEvery > 0 the last kept line loses a val_loss that only the end of
     * the earlier invocation asked for (step not a multiple of evalEvery), as an uninterrupted run has none there.
     */
    static void truncate(Path file, long step, int evalEvery) {
        if (!Files.exists(file)) return;
        try {
            List<String> keep = new ArrayList<>();
            for (String line : Files.readAllLines(file, StandardCharsets.UTF_8)) {
                if (line.isBlank()) continue;
                JsonNode n;
                try { n = JSON.readTree(line); } catch (IOException e) { continue; }   // a line cut by a crash
                long at = n.path("step").asLong(Long.MAX_VALUE);
                if (at == step - 1 && evalEvery > 0 && step % evalEvery != 0 && n.has("val_loss")) {
                    ((com.fasterxml.jackson.databind.node.ObjectNode) n).remove("val_loss");
                    line = JSON.writeValueAsString(n);
                }
                if (at < step) keep.add(line);
            }
            AtomicFiles.write(file, (String.join("\n", keep) + (keep.isEmpty() ? "" : "\n")).getBytes(StandardCharsets.UTF_8));
        } catch (IOException e) {
            throw new UncheckedIOException("cannot rewrite " + file + ": " + e.getMessage(), e);
        }
    }
}
