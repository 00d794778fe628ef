package jgpt.bench;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.File;
import java.io.IOException;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.TreeMap;

/**
 * Turns a JMH JSON result of MatmulBench into one line per shape: Java GFLOP/s, OpenBLAS GFLOP/s, ratio.
 * Usage: java -cp target/jmh/benchmarks.jar jgpt.bench.Summary result.json
 */
public final class Summary {
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
        System.out.printf("%-34s %10s %10s %7s%n", "shape (M x K x N : layout)", "java", "openblas", "ratio");
        double logSum = 0;
        int n = 0;
        for (var e : rows.entrySet()) {
            Double j = e.getValue().get("java"), o = e.getValue().get("openblas");
            String ratio = j != null && o != null ? String.format("%.2f", j / o) : "-";
            if (j != null && o != null) { logSum += Math.log(j / o); n++; }
            System.out.printf("%-34s %10s %10s %7s%n", e.getKey(), j == null ? "-" : String.format("%.1f", j),
                    o == null ? "-" : String.format("%.1f", o), ratio);
        }
        if (n > 0) System.out.printf("geometric mean java/openblas over %d shapes: %.2f%n", n, Math.exp(logSum / n));
    }
}
