package jgpt.bench;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.File;
import java.io.IOException;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.TreeMap;

/**
 * Turns a JMH JSON result of MatmulBench into one line per shape: GFLOP/s of java, openblas, naive, and ratios.
 * Usage: java -cp target/jmh/benchmarks.jar jgpt.bench.Summary result.json
 */
public final class Summary {
    static String fmt(Double g) { return g == null ? "-" : String.format("%.1f", g); }

    public static void main(String[] args) throws IOException {
        if (args.length != 1) { System.err.println("usage: Summary <jmh-result.json>"); System.exit(2); }
        JsonNode root = new ObjectMapper().readTree(new File(args[0]));
        Map<String, Map<String, Double>> rows = new LinkedHashMap<>();
        for (JsonNode run : root) {
            JsonNode p = run.get("params");
            if (p == null || p.get("shape") == null) continue;
            JsonNode g = run.path("secondaryMetrics").path("gflop").path("score");
            if (g.isMissingNode()) continue;
            String key = p.get("shape").asText() + " t" + p.path("threads").asText();
            rows.computeIfAbsent(key, k -> new TreeMap<>()).put(p.get("impl").asText(), g.asDouble());
        }
        System.out.printf("%-34s %9s %9s %9s %10s %10s%n", "shape (M x K x N : layout)", "java", "openblas", "naive",
                "java/blas", "java/naive");
        double logSum = 0;
        int n = 0;
        for (var e : rows.entrySet()) {
            Double j = e.getValue().get("java"), o = e.getValue().get("openblas"), nv = e.getValue().get("naive");
            if (j != null && o != null) { logSum += Math.log(j / o); n++; }
            System.out.printf("%-34s %9s %9s %9s %10s %10s%n", e.getKey(), fmt(j), fmt(o), fmt(nv),
                    j != null && o != null ? String.format("%.2f", j / o) : "-",
                    j != null && nv != null ? String.format("%.0f", j / nv) : "-");
        }
        if (n > 0) System.out.printf("geometric mean java/openblas over %d shapes: %.2f%n", n, Math.exp(logSum / n));
    }
}
