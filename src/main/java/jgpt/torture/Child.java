package jgpt.torture;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * Starts jgpt in a separate process, either through the real launcher ({@code ./jgpt}, JVM flags in
 * JGPT_JAVA_OPTS) or as {@code java -cp <this classpath> jgpt.cli.Main} (what the tests use: no jar needed).
 */
final class Child {
    private final Path launcher;          // null: java -cp
    private final List<String> jvmOpts;

    private Child(Path launcher, List<String> jvmOpts) { this.launcher = launcher; this.jvmOpts = List.copyOf(jvmOpts); }

    static Child launcher(Path jgpt) { return new Child(jgpt, List.of()); }
    static Child java() { return new Child(null, List.of()); }

    /** The same way of starting, with more JVM flags (e.g. -Xmx256m, -Djgpt.fault.nanAtStep=3). */
    Child with(String... opts) {
        List<String> o = new ArrayList<>(jvmOpts);
        o.addAll(List.of(opts));
        return new Child(launcher, o);
    }

    String describe() { return launcher != null ? launcher.toString() : "java -cp <classpath> jgpt.cli.Main"; }

    /** Starts {@code jgpt args…} with stdout and stderr into log.out / log.err. */
    Process start(Path log, List<String> args) throws IOException {
        List<String> cmd = new ArrayList<>();
        ProcessBuilder pb = new ProcessBuilder(cmd);
        if (launcher != null) {
            cmd.add(launcher.toString());
            String env = System.getenv().getOrDefault("JGPT_JAVA_OPTS", "");
            pb.environment().put("JGPT_JAVA_OPTS", (env + " " + String.join(" ", jvmOpts)).strip());
        } else {
            cmd.add(Path.of(System.getProperty("java.home"), "bin", "java").toString());
            cmd.addAll(List.of("--add-modules", "jdk.incubator.vector", "--enable-native-access=ALL-UNNAMED", "-XX:+UseParallelGC", "-Xmn64m"));
            cmd.addAll(jvmOpts);
            cmd.addAll(List.of("-cp", System.getProperty("java.class.path"), "jgpt.cli.Main"));
        }
        cmd.addAll(args);
        Files.createDirectories(log.toAbsolutePath().getParent());
        pb.redirectOutput(Path.of(log + ".out").toFile()).redirectError(Path.of(log + ".err").toFile());
        return pb.start();
    }

    record Result(int code, String out, String err, boolean timedOut) {
        /** A user-facing failure as promised: exit 2 and exactly one stderr line "jgpt: …" (notes "jgpt: note: …" aside). */
        boolean cleanError() {
            List<String> lines = err.strip().lines().filter(l -> !l.startsWith("jgpt: note:") && !l.startsWith("WARNING:")).toList();
            return code == 2 && lines.size() == 1 && lines.get(0).startsWith("jgpt: ");
        }
        boolean stackTrace() { return err.contains("\tat ") || err.contains("Exception in thread"); }
    }

    /** Runs to the end (or kills it after timeoutSec). */
    Result run(Path log, int timeoutSec, List<String> args) throws IOException, InterruptedException {
        Process p = start(log, args);
        boolean done = p.waitFor(timeoutSec, TimeUnit.SECONDS);
        if (!done) { p.destroyForcibly(); p.waitFor(); }
        return result(log, p.exitValue(), !done);
    }

    static Result result(Path log, int code, boolean timedOut) throws IOException {
        return new Result(code, Files.readString(Path.of(log + ".out"), StandardCharsets.UTF_8),
                Files.readString(Path.of(log + ".err"), StandardCharsets.UTF_8), timedOut);
    }

    /** Sends a signal (INT, TERM) to a process: Java has no API for it but kill(1). */
    static void signal(Process p, String sig) throws IOException, InterruptedException {
        new ProcessBuilder("kill", "-" + sig, Long.toString(p.pid())).inheritIO().start().waitFor();
    }
}
