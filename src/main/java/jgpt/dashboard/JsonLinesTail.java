package jgpt.dashboard;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.BasicFileAttributes;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;

/**
 * Follows a JSON-lines file as a writer appends to it: only complete lines are returned (a half-written last
 * line waits for its newline); a file that shrank or was replaced by another (a resumed run rewrites
 * metrics.jsonl by a rename) starts over and says so; a file that vanished reads as empty.
 */
final class JsonLinesTail {
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final int MAX_READ = 8 << 20;           // bytes per poll: a huge file is caught up over several polls

    /** What changed since the last poll: reset = forget everything read before, then these lines. */
    record Update(boolean reset, List<JsonNode> lines) {
        static final Update NONE = new Update(false, List.of());
        boolean empty() { return !reset && lines.isEmpty(); }
    }

    private final Path file;
    private Object key;                                     // the file's identity (inode), null until seen
    private long offset;                                    // bytes consumed, up to the end of the last complete line
    private final ByteArrayOutputStream partial = new ByteArrayOutputStream();
    private long modified;                                  // the file's last-modified time in ms, 0 = never seen

    JsonLinesTail(Path file) { this.file = file; }

    long modifiedMillis() { return modified; }

    Update poll() {
        BasicFileAttributes a;
        try {
            a = Files.readAttributes(file, BasicFileAttributes.class);
        } catch (IOException gone) {
            boolean hadData = key != null || offset > 0;
            start(null);
            return hadData ? new Update(true, List.of()) : Update.NONE;
        }
        if (!a.isRegularFile()) return Update.NONE;
        modified = a.lastModifiedTime().toMillis();
        boolean reset = false;
        if ((key != null && a.fileKey() != null && !Objects.equals(key, a.fileKey())) || a.size() < offset + partial.size()) {
            start(a.fileKey());
            reset = true;
        }
        key = a.fileKey();
        long from = offset + partial.size();
        if (a.size() == from) return reset ? new Update(true, List.of()) : Update.NONE;
        List<JsonNode> lines = new ArrayList<>();
        try (FileChannel ch = FileChannel.open(file, StandardOpenOption.READ)) {
            ByteBuffer buf = ByteBuffer.allocate((int) Math.min(MAX_READ, a.size() - from));
            while (buf.hasRemaining() && ch.read(buf, from + buf.position()) > 0) { }
            byte[] b = buf.array();
            int n = buf.position(), lineStart = 0;
            for (int i = 0; i < n; i++) {
                if (b[i] != '\n') continue;
                partial.write(b, lineStart, i - lineStart);
                String line = partial.toString(StandardCharsets.UTF_8);
                offset += partial.size() + 1;
                partial.reset();
                lineStart = i + 1;
                JsonNode node = parse(line);
                if (node != null) lines.add(node);
            }
            partial.write(b, lineStart, n - lineStart);
        } catch (NoSuchFileException e) {
            return reset ? new Update(true, List.of()) : Update.NONE;
        } catch (IOException e) {
            return new Update(reset, lines);                // read again on the next poll
        }
        return new Update(reset, lines);
    }

    private void start(Object newKey) {
        key = newKey;
        offset = 0;
        partial.reset();
    }

    /** An object, or null for a blank line or one that is not JSON (cut by a crash). */
    private static JsonNode parse(String line) {
        if (line.isBlank()) return null;
        try {
            JsonNode n = JSON.readTree(line);
            return n != null && n.isObject() ? n : null;
        } catch (IOException e) {
            return null;
        }
    }
}
