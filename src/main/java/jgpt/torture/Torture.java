package jgpt.torture;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The torture harness (RELIABILITY.md): {@code scripts/torture PART [--key value …]}, PART one of
 * kill, files, faults, all. Prints one summary line per part; exits 1 when anything failed.
 * <pre>
 *   --work DIR        scratch directory (default target/torture)
 *   --jgpt PATH       the launcher to run (default ./jgpt); "java" = java -cp this classpath
 *   --data FILE       training text (default ../shared/data/tinyshakespeare.txt)
 *   --runs N          kill: runs per variant (default 13: 52 runs over 4 variants)
 *   --variants a,b    kill: plain,replicas2,grad-accum2,dropout0.1 (default all)
 *   --kernels K       kill: kernel set (default auto)      --threads N  (default 2)
 *   --mutations N     files: mutated inputs (default 2000)  --launched N  of them also through the launcher (default 100)
 *   --seed S          randomness of kill moments and mutations (default 1)
 * </pre>
 */
public final class Torture {
    private Torture() {}

    public static void main(String[] args) throws Exception {
        System.exit(run(args));
    }

    public static int run(String... args) throws Exception {
        if (args.length == 0 || args[0].startsWith("-")) {
            System.err.println("usage: scripts/torture kill|files|faults|all [--work DIR] [--jgpt PATH|java] [--runs N] [--mutations N] [--seed S] ...");
            return 2;
        }
        String part = args[0];
        Map<String, String> o = new LinkedHashMap<>();
        for (int i = 1; i + 1 < args.length; i += 2) o.put(args[i].replaceFirst("^--", ""), args[i + 1]);
        Path work = Path.of(o.getOrDefault("work", "target/torture")).toAbsolutePath();
        Files.createDirectories(work);
        String launcher = o.getOrDefault("jgpt", "./jgpt");
        Child jgpt = launcher.equals("java") ? Child.java() : Child.launcher(Path.of(launcher).toAbsolutePath());
        String data = Path.of(o.getOrDefault("data", "../shared/data/tinyshakespeare.txt")).toAbsolutePath().toString();
        long seed = Long.parseLong(o.getOrDefault("seed", "1"));
        boolean ok = true;
        if (part.equals("kill") || part.equals("all")) {
            List<KillTorture.Variant> vs = new ArrayList<>();
            for (String name : o.getOrDefault("variants", "plain,replicas2,grad-accum2,dropout0.1").split(","))
                vs.add(KillTorture.VARIANTS.stream().filter(v -> v.name().equals(name)).findFirst()
                        .orElseThrow(() -> new IllegalArgumentException("unknown variant " + name)));
            var kt = new KillTorture(jgpt, work.resolve("kill"), data, o.getOrDefault("kernels", "auto"),
                    Integer.parseInt(o.getOrDefault("threads", "2")), Integer.parseInt(o.getOrDefault("steps", "12")),
                    Integer.parseInt(o.getOrDefault("max-kills", "6")), seed, System.out);
            ok &= kt.run(vs, Integer.parseInt(o.getOrDefault("runs", "13")));
        }
        if (part.equals("files") || part.equals("all")) {
            var ff = new FileFuzz(jgpt, work.resolve("files"), data, seed, System.out);
            ok &= ff.run(Integer.parseInt(o.getOrDefault("mutations", "2000")), Integer.parseInt(o.getOrDefault("launched", "100")));
        }
        if (part.equals("faults") || part.equals("all")) {
            ok &= new Faults(jgpt, work.resolve("faults"), data, System.out).run();
        }
        System.out.println(ok ? "torture " + part + ": all passed" : "torture " + part + ": FAILURES (see above)");
        return ok ? 0 : 1;
    }
}
