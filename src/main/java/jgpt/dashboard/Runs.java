package jgpt.dashboard;

import java.io.IOException;
import java.nio.file.FileVisitResult;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.SimpleFileVisitor;
import java.nio.file.attribute.BasicFileAttributes;
import java.util.ArrayList;
import java.util.EnumSet;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The runs under the served directories, found again on every {@link #scan} so runs started later show up.
 * A run is a directory holding metrics.jsonl or a model (config.json); its subdirectories (checkpoint/, best/)
 * are part of it. Symlinks are not followed, so nothing outside the served directories is found; requests
 * name runs only by the names found here.
 */
final class Runs {
    private static final int MAX_DEPTH = 4;
    private final Map<Path, String> roots = new LinkedHashMap<>();   // real path → the name its runs start with
    private final Map<String, Run> runs = new LinkedHashMap<>();

    Runs(List<Path> dirs) {
        Map<String, Integer> seen = new HashMap<>();
        for (Path d : dirs) {
            Path real;
            try { real = d.toRealPath(); } catch (IOException e) { throw new jgpt.UserError(d + ": no such directory to serve"); }
            if (!Files.isDirectory(real)) throw new jgpt.UserError(d + " is not a directory: give run directories or directories holding runs");
            if (roots.containsKey(real)) continue;
            String base = real.getFileName() == null ? "root" : real.getFileName().toString();
            int k = seen.merge(base, 1, Integer::sum);
            roots.put(real, k == 1 ? base : base + "#" + k);
        }
    }

    /** Looks for new runs and reads what every run appended; returns the runs that changed. */
    synchronized List<Run> scan() {
        for (Map.Entry<Path, String> e : roots.entrySet()) find(e.getKey(), e.getValue());
        List<Run> changed = new ArrayList<>();
        for (var it = runs.values().iterator(); it.hasNext(); ) {
            Run r = it.next();
            if (r.refresh()) changed.add(r);
            if (r.gone() && r.rowCount() == 0) it.remove();
        }
        return changed;
    }

    synchronized Run get(String name) { return name == null ? null : runs.get(name); }

    synchronized List<Run> all() { return List.copyOf(runs.values()); }

    private void find(Path root, String rootName) {
        if (!Files.isDirectory(root)) return;
        try {
            Files.walkFileTree(root, EnumSet.noneOf(java.nio.file.FileVisitOption.class), MAX_DEPTH, new SimpleFileVisitor<>() {
                @Override public FileVisitResult preVisitDirectory(Path d, BasicFileAttributes a) {
                    if (!a.isDirectory() || a.isSymbolicLink()) return FileVisitResult.SKIP_SUBTREE;
                    if (!isRun(d)) return FileVisitResult.CONTINUE;
                    String rel = root.relativize(d).toString().replace('\\', '/');
                    String name = rel.isEmpty() ? rootName : rootName + "/" + rel;
                    runs.computeIfAbsent(name, n -> new Run(n, d, root));
                    return FileVisitResult.SKIP_SUBTREE;
                }
                @Override public FileVisitResult visitFileFailed(Path f, IOException e) { return FileVisitResult.CONTINUE; }
            });
        } catch (IOException e) {
            // a directory vanished while walking: the next scan sees the new state
        }
    }

    private static boolean isRun(Path d) {
        return Files.isRegularFile(d.resolve("metrics.jsonl"), LinkOption.NOFOLLOW_LINKS)
                || Files.isRegularFile(d.resolve("config.json"), LinkOption.NOFOLLOW_LINKS);
    }
}
