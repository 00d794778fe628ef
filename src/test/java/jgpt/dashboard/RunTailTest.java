package jgpt.dashboard;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.OutputStream;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.List;
import jgpt.io.AtomicFiles;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Following metrics.jsonl while it is written: half lines, a resumed run's rewrite, a deleted run, a reconnecting stream. */
class RunTailTest {
    static final ObjectMapper JSON = new ObjectMapper();
    @TempDir Path tmp;

    static String line(int step, double loss) { return "{\"step\":" + step + ",\"loss\":" + loss + ",\"ms\":10,\"tokens_per_s\":100}\n"; }

    static void append(Path f, String s) throws IOException {
        Files.writeString(f, s, StandardOpenOption.CREATE, StandardOpenOption.APPEND);
    }

    static List<Double> column(Run r, String c) {
        List<Double> out = new java.util.ArrayList<>();
        for (JsonNode n : r.columns(0).get(c)) out.add(n.isNull() ? null : n.asDouble());
        return out;
    }

    @Test void halfWrittenLinesWaitForTheirNewline() throws Exception {
        Path dir = Files.createDirectories(tmp.resolve("run"));
        Path f = dir.resolve("metrics.jsonl");
        append(f, line(0, 4.0) + line(1, 3.5) + "{\"step\":2,\"lo");
        Run r = new Run("run", dir, tmp.toRealPath());
        assertTrue(r.refresh());
        assertEquals(List.of(0.0, 1.0), column(r, "step"));
        append(f, "ss\":3.25,\"ms\":10,\"tokens_per_s\":100}\n" + "not json\n" + "{\"step\":3}\n");   // garbage and lines without a loss are skipped
        assertTrue(r.refresh());
        assertEquals(List.of(0.0, 1.0, 2.0), column(r, "step"));
        assertEquals(List.of(4.0, 3.5, 3.25), column(r, "loss"));
        assertEquals(List.of(1.0, 2.0, 3.0), column(r, "tokens"));     // 100 tokens/s × 10 ms, summed
        assertFalse(r.refresh());
        assertEquals(0, r.generation());
    }

    @Test void aResumedRunIsReadAgain() throws Exception {
        Path dir = Files.createDirectories(tmp.resolve("run"));
        Path f = dir.resolve("metrics.jsonl");
        append(f, line(0, 4.0) + line(1, 3.5) + line(2, 3.0) + line(3, 2.5));
        Run r = new Run("run", dir, tmp.toRealPath());
        r.refresh();
        assertEquals(4, r.rowCount());
        // the trainer's resume keeps the lines before its checkpoint (rewritten by a rename), then appends the new steps
        AtomicFiles.write(f, (line(0, 4.0) + line(1, 3.5)).getBytes(StandardCharsets.UTF_8));
        append(f, line(2, 2.9) + line(3, 2.4) + line(4, 2.2));
        r.refresh();
        assertEquals(1, r.generation());
        assertEquals(List.of(4.0, 3.5, 2.9, 2.4, 2.2), column(r, "loss"));
        // a writer that appends already-seen steps again (no rename) supersedes them too
        append(f, line(3, 2.3));
        r.refresh();
        assertEquals(List.of(4.0, 3.5, 2.9, 2.3), column(r, "loss"));
        assertEquals(2, r.generation());
        // truncated in place to something shorter
        Files.writeString(f, line(0, 5.0));
        r.refresh();
        assertEquals(List.of(5.0), column(r, "loss"));
    }

    @Test void aDeletedRunDoesNotBreakTheServer() throws Exception {
        Path runs = Files.createDirectories(tmp.resolve("runs"));
        Path dir = Files.createDirectories(runs.resolve("a"));
        append(dir.resolve("metrics.jsonl"), line(0, 4.0));
        try (Dashboard d = new Dashboard(List.of(runs), new Dashboard.Options("127.0.0.1", 0, null))) {
            assertTrue(get(d, "/api/runs").contains("\"runs/a\""));
            Files.delete(dir.resolve("metrics.jsonl"));
            Files.delete(dir);
            Path b = Files.createDirectories(runs.resolve("b"));       // and a new run appears
            append(b.resolve("metrics.jsonl"), line(0, 3.0));
            String list = "";
            for (int i = 0; i < 200 && !(list.contains("\"gone\"") && list.contains("\"runs/b\"")); i++) {
                Thread.sleep(50);
                list = get(d, "/api/runs");
            }
            assertTrue(list.contains("\"gone\"") && list.contains("\"runs/b\""), list);
            assertTrue(get(d, "/api/run?run=runs/a").contains("\"gone\""));
            assertTrue(get(d, "/run?run=runs/a").contains("<html"));
        }
    }

    @Test void aReconnectingStreamGetsOnlyWhatItMissed() throws Exception {
        Path runs = Files.createDirectories(tmp.resolve("runs"));
        Path dir = Files.createDirectories(runs.resolve("a"));
        StringBuilder b = new StringBuilder();
        for (int s = 0; s < 10; s++) b.append(line(s, 4 - s / 10.0));
        append(dir.resolve("metrics.jsonl"), b.toString());
        try (Dashboard d = new Dashboard(List.of(runs), new Dashboard.Options("127.0.0.1", 0, null))) {
            JsonNode all = firstEvent(d, null);
            assertTrue(all.get("reset").asBoolean());
            assertEquals(10, all.at("/columns/step").size());
            JsonNode rest = firstEvent(d, "0.7.-1.0");                  // had 7 rows of generation 0
            assertFalse(rest.get("reset").asBoolean());
            assertEquals(7, rest.get("from").asInt());
            assertEquals(List.of(7, 8, 9), List.of(rest.at("/columns/step/0").asInt(), rest.at("/columns/step/1").asInt(), rest.at("/columns/step/2").asInt()));
            JsonNode stale = firstEvent(d, "5.3.-1.0");                 // a generation the run no longer has: everything again
            assertTrue(stale.get("reset").asBoolean());
            assertEquals(10, stale.at("/columns/step").size());
        }
    }

    static String get(Dashboard d, String target) throws IOException {
        try (Socket s = new Socket("127.0.0.1", d.port())) {
            s.setSoTimeout(10_000);
            OutputStream out = s.getOutputStream();
            out.write(("GET " + target + " HTTP/1.1\r\nHost: 127.0.0.1:" + d.port() + "\r\nConnection: close\r\n\r\n").getBytes(StandardCharsets.UTF_8));
            out.flush();
            return new String(s.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        }
    }

    /** The data of the first "run" event of /api/events?run=runs/a, sent with the given Last-Event-ID. */
    static JsonNode firstEvent(Dashboard d, String lastId) throws IOException {
        try (Socket s = new Socket("127.0.0.1", d.port())) {
            s.setSoTimeout(10_000);
            OutputStream out = s.getOutputStream();
            out.write(("GET /api/events?run=runs/a HTTP/1.1\r\nHost: 127.0.0.1:" + d.port() + "\r\n"
                    + (lastId == null ? "" : "Last-Event-ID: " + lastId + "\r\n") + "\r\n").getBytes(StandardCharsets.UTF_8));
            out.flush();
            BufferedReader in = new BufferedReader(new InputStreamReader(s.getInputStream(), StandardCharsets.UTF_8));
            for (String l; (l = in.readLine()) != null; ) {
                if (!l.startsWith("data: ")) continue;
                JsonNode n = JSON.readTree(l.substring(6));
                if (n.has("columns")) return n;
            }
            throw new IOException("stream ended without a run event");
        }
    }
}
