import java.net.InetAddress;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.Executors;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * A bounded load on a jgpt dashboard for BENCHMARKS.md: RATE requests/s for SECONDS seconds (default 100 for 30),
 * loopback only, cycling over the read API a browser uses (/api/runs, /api/run?run=RUN, a page and a script), plus
 * two event streams held open the whole time, as two open run pages would.
 *   java tools/DashboardLoad.java http://127.0.0.1:6006 RUN [RATE] [SECONDS]
 */
public class DashboardLoad {
    public static void main(String[] a) throws Exception {
        if (a.length < 2) { System.err.println("usage: java tools/DashboardLoad.java BASE_URL RUN [RATE] [SECONDS]"); System.exit(2); }
        URI base = URI.create(a[0]);
        if (!InetAddress.getByName(base.getHost()).isLoopbackAddress()) { System.err.println("loopback only"); System.exit(2); }
        String run = java.net.URLEncoder.encode(a[1], java.nio.charset.StandardCharsets.UTF_8);
        int rate = a.length > 2 ? Math.min(1000, Integer.parseInt(a[2])) : 100;
        int seconds = a.length > 3 ? Math.min(300, Integer.parseInt(a[3])) : 30;
        String[] paths = {"/api/runs", "/api/run?run=" + run, "/run?run=" + run, "/static/run.js"};
        HttpClient c = HttpClient.newBuilder().executor(Executors.newVirtualThreadPerTaskExecutor()).connectTimeout(Duration.ofSeconds(5)).build();
        List<CompletableFuture<?>> streams = new ArrayList<>();
        for (int i = 0; i < 2; i++)
            streams.add(c.sendAsync(HttpRequest.newBuilder(base.resolve("/api/events?run=" + run)).build(), HttpResponse.BodyHandlers.discarding()));
        List<Long> micros = Collections.synchronizedList(new ArrayList<>());
        AtomicInteger errors = new AtomicInteger();
        List<CompletableFuture<?>> sent = new ArrayList<>();
        long t0 = System.nanoTime(), n = (long) rate * seconds;
        for (long i = 0; i < n; i++) {
            long due = t0 + i * 1_000_000_000L / rate;
            long wait = due - System.nanoTime();
            if (wait > 0) Thread.sleep(wait / 1_000_000, (int) (wait % 1_000_000));
            long start = System.nanoTime();
            HttpRequest r = HttpRequest.newBuilder(base.resolve(paths[(int) (i % paths.length)])).timeout(Duration.ofSeconds(10)).build();
            sent.add(c.sendAsync(r, HttpResponse.BodyHandlers.ofByteArray()).whenComplete((resp, e) -> {
                if (e != null || resp.statusCode() != 200) errors.incrementAndGet();
                else micros.add((System.nanoTime() - start) / 1000);
            }));
        }
        for (CompletableFuture<?> f : sent) try { f.join(); } catch (Exception ignored) { }
        double took = (System.nanoTime() - t0) / 1e9;
        streams.forEach(s -> s.cancel(true));
        List<Long> l = new ArrayList<>(micros);
        Collections.sort(l);
        System.out.printf("requests %d in %.1f s (%.1f/s), errors %d, latency p50 %.2f ms, p99 %.2f ms%n", n, took, n / took, errors.get(),
                l.isEmpty() ? Double.NaN : l.get(l.size() / 2) / 1e3, l.isEmpty() ? Double.NaN : l.get((int) (l.size() * 0.99)) / 1e3);
        System.exit(0);
    }
}
