package jgpt.dashboard;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.URI;
import java.net.URLDecoder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.security.SecureRandom;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.ReentrantLock;
import jgpt.UserError;

/**
 * The live dashboard: the JDK's HTTP server on virtual threads (an open event stream holds a thread, so the
 * default single-thread executor would block every other request), pages and scripts from the jar, run data as
 * JSON and Server-Sent Events, model computations through {@link ModelService}.
 *
 * <p>Security: read-only (GET; POST only for the model page's computations, capped and one at a time); the
 * {@code Host} header must name this server (DNS rebinding); with a token every request must carry it
 * (query, then a cookie); paths are matched exactly against the pages and assets in the jar and runs by the names
 * {@link Runs} found, so no request path reaches the file system; every response forbids other origins' content.
 */
public final class Dashboard implements AutoCloseable {
    /** host: the address to bind; port 0 = any free port; token: required from every client, or null. */
    public record Options(String host, int port, String token) {}

    static final int MAX_BODY = 64 << 10;
    static final long POLL_MS = 250, TICK_MS = 1000;
    private static final ObjectMapper JSON = new ObjectMapper();

    private final Runs runs;
    private final ModelService models = new ModelService();
    private final ReentrantLock computing = new ReentrantLock(true);
    private final Assets assets = new Assets();
    private final HttpServer server;
    private final ExecutorService executor = Executors.newVirtualThreadPerTaskExecutor();
    private final Thread poller;
    private final String token;
    private final List<String> hosts = new ArrayList<>();   // acceptable Host headers
    private final Object changed = new Object();             // notified after every scan
    private volatile long version;                            // scans so far
    private volatile boolean closed;

    public Dashboard(List<Path> dirs, Options o) throws IOException {
        this.runs = new Runs(dirs);
        this.token = o.token();
        runs.scan();
        InetAddress addr = InetAddress.getByName(o.host());
        if (!addr.isLoopbackAddress() && (o.token() == null || o.token().length() < 16))
            throw new IllegalArgumentException("refusing to serve " + o.host() + " without an access token: other machines could read the runs");
        server = HttpServer.create(new InetSocketAddress(addr, o.port()), 64);
        server.setExecutor(executor);
        server.createContext("/", this::handle);
        server.start();
        int port = server.getAddress().getPort();
        for (String h : addr.isLoopbackAddress() ? List.of("127.0.0.1", "localhost", "[::1]") : List.of(hostText(o.host())))
            hosts.add(h + ":" + port);
        if (!addr.isLoopbackAddress()) hosts.add(hostText(addr.getHostAddress()) + ":" + port);
        poller = Thread.ofVirtual().name("jgpt-dashboard-poll").start(this::poll);
    }

    /** A token for a server reachable from other machines: 128 random bits. */
    public static String newToken() {
        byte[] b = new byte[16];
        new SecureRandom().nextBytes(b);
        return HexFormat.of().formatHex(b);
    }

    /** Whether binding this host needs a token: anything but a loopback address. */
    public static boolean needsToken(String host) {
        try { return !InetAddress.getByName(host).isLoopbackAddress(); }
        catch (IOException e) { throw new jgpt.InvalidSetting("host", "host " + host + ": not an address of this machine"); }
    }

    public int port() { return server.getAddress().getPort(); }

    /** The address to open, with the token when there is one. */
    public URI url(String page) {
        String q = token == null ? "" : (page.contains("?") ? "&" : "?") + "token=" + token;
        return URI.create("http://" + hosts.getFirst() + page + q);
    }

    @Override public void close() {
        closed = true;
        poller.interrupt();
        synchronized (changed) { changed.notifyAll(); }
        server.stop(0);
        executor.shutdownNow();
    }

    private static String hostText(String h) { return h.contains(":") && !h.startsWith("[") ? "[" + h + "]" : h; }

    private void poll() {
        while (!closed) {
            try {
                runs.scan();
            } catch (RuntimeException e) {
                System.err.println("jgpt: dashboard: " + e);       // a bad file must not stop the updates
            }
            synchronized (changed) { version++; changed.notifyAll(); }
            try { Thread.sleep(POLL_MS); } catch (InterruptedException e) { return; }
        }
    }

    // ---- requests ---------------------------------------------------------------------------------------------

    private void handle(HttpExchange x) throws IOException {
        try {
            var h = x.getResponseHeaders();
            h.set("Content-Security-Policy", "default-src 'self'");
            h.set("X-Content-Type-Options", "nosniff");
            h.set("X-Frame-Options", "DENY");
            h.set("Referrer-Policy", "no-referrer");
            h.set("Cache-Control", "no-store");
            String host = x.getRequestHeaders().getFirst("Host");
            if (host == null || !hosts.contains(host.toLowerCase(java.util.Locale.ROOT))) { send(x, 403, "text/plain", "foreign Host header"); return; }
            Map<String, List<String>> q = query(x.getRequestURI().getRawQuery());
            if (token != null && !authorized(x, q)) { send(x, 401, "text/plain", "this dashboard needs its token: open the address it printed"); return; }
            String path = x.getRequestURI().getRawPath(), method = x.getRequestMethod();
            boolean post = path.startsWith("/api/model/") && !path.equals("/api/model/info");
            if (!(method.equals("GET") || method.equals("HEAD")) && !(post && method.equals("POST"))) {
                h.set("Allow", post ? "POST" : "GET, HEAD");
                send(x, 405, "text/plain", "read-only");
                return;
            }
            if (post && !method.equals("POST")) { h.set("Allow", "POST"); send(x, 405, "text/plain", "POST only"); return; }
            route(x, path, q);
        } catch (NotFound e) {
            sendJson(x, 404, Map.of("error", e.getMessage()));
        } catch (UserError e) {
            sendJson(x, 400, Map.of("error", e.getMessage()));
        } catch (IOException e) {
            // the client went away
        } catch (RuntimeException e) {
            sendJson(x, 500, Map.of("error", String.valueOf(e.getMessage())));
        } finally {
            x.close();
        }
    }

    private void route(HttpExchange x, String path, Map<String, List<String>> q) throws IOException {
        switch (path) {
            case "/" -> page(x, "index.html");
            case "/run" -> page(x, "run.html");
            case "/model" -> page(x, "model.html");
            case "/api/runs" -> sendJson(x, 200, overview());
            case "/api/events" -> events(x, q.getOrDefault("run", List.of()));
            case "/api/run" -> sendJson(x, 200, runData(run(q)));
            case "/api/model/info" -> sendJson(x, 200, models.info(run(q), first(q, "which")));
            case "/api/model/explain", "/api/model/probe" -> compute(x, path.endsWith("explain"));
            default -> {
                Assets.Asset a = path.startsWith("/static/") ? assets.get(path.substring(8)) : null;
                if (a == null) send(x, 404, "text/plain", "not found");
                else send(x, 200, a.type(), a.bytes());
            }
        }
    }

    private void page(HttpExchange x, String name) throws IOException {
        Assets.Asset a = assets.get(name);
        send(x, 200, a.type(), a.bytes());
    }

    private Run run(Map<String, List<String>> q) {
        Run r = runs.get(first(q, "run"));
        if (r == null) throw new NotFound();
        return r;
    }

    /** Model computations: JSON in, capped, one at a time. */
    private void compute(HttpExchange x, boolean explain) throws IOException {
        String type = x.getRequestHeaders().getFirst("Content-Type");
        if (type == null || !type.startsWith("application/json")) { send(x, 415, "text/plain", "send application/json"); return; }
        String origin = x.getRequestHeaders().getFirst("Origin");
        if (origin != null && !hosts.stream().anyMatch(h -> origin.equalsIgnoreCase("http://" + h))) { send(x, 403, "text/plain", "foreign Origin"); return; }
        byte[] body;
        try (InputStream in = x.getRequestBody()) { body = in.readNBytes(MAX_BODY + 1); }
        if (body.length > MAX_BODY) { send(x, 413, "text/plain", "request too large"); return; }
        JsonNode req;
        try { req = JSON.readTree(body); } catch (IOException e) { throw new UserError("the request is not JSON"); }
        if (req == null || !req.isObject()) throw new UserError("the request is not a JSON object");
        Run run = runs.get(req.path("run").asText(null));
        if (run == null) { send(x, 404, "text/plain", "no such run"); return; }
        String which = req.path("which").asText("latest");
        try {
            if (!computing.tryLock(60, TimeUnit.SECONDS)) { send(x, 503, "text/plain", "busy: try again"); return; }
        } catch (InterruptedException e) { return; }
        Map<String, Object> out;
        try {
            out = explain ? models.explain(run, which, req) : models.probe(run, which, req);
        } finally {
            computing.unlock();
        }
        sendJson(x, 200, out);
    }

    // ---- data -------------------------------------------------------------------------------------------------

    private ArrayNode overview() {
        ArrayNode a = JSON.createArrayNode();
        long now = System.currentTimeMillis();
        for (Run r : runs.all()) a.add(r.summary(now));
        return a;
    }

    private ObjectNode runData(Run r) {
        ObjectNode o = JSON.createObjectNode();
        o.set("summary", r.summary(System.currentTimeMillis()));
        o.set("config", r.config());
        o.put("generation", r.generation());
        o.set("samples", r.samples(0));
        return o;                                            // the rows come by the event stream
    }

    /**
     * Server-Sent Events. Without runs: the overview every second. With runs: for each, the metrics rows and
     * samples not yet sent, and its summary every second. An event's id records how much of every run the client
     * has ("generation.rows.sampleGeneration.samples", comma-separated in the order of the run parameters), so a
     * reconnecting browser (Last-Event-ID) gets only what it missed, or everything again after a resume.
     */
    private void events(HttpExchange x, List<String> names) throws IOException {
        List<Run> rs = new ArrayList<>();
        for (String n : names) { Run r = runs.get(n); if (r == null) throw new NotFound(); rs.add(r); }
        if (rs.size() > 8) throw new UserError("at most 8 runs at once");
        x.getResponseHeaders().set("Content-Type", "text/event-stream; charset=utf-8");
        x.sendResponseHeaders(200, 0);
        OutputStream out = x.getResponseBody();
        long[][] sent = new long[rs.size()][];                // per run: generation, rows, sample generation, samples
        String last = x.getRequestHeaders().getFirst("Last-Event-ID");
        String[] parts = last == null ? new String[0] : last.split(",");
        for (int i = 0; i < rs.size(); i++) sent[i] = i < parts.length ? parseId(parts[i]) : new long[] {-1, 0, -1, 0};
        long seen = -1, lastTick = 0, id = 0;
        while (!closed) {
            long now = System.currentTimeMillis();
            StringBuilder ev = new StringBuilder();
            boolean tick = now - lastTick >= TICK_MS;
            if (rs.isEmpty()) {
                if (tick) ev.append(event("runs", overview(), Long.toString(id++)));
            } else {
                for (int i = 0; i < rs.size(); i++) {
                    Run r = rs.get(i);
                    long[] s = sent[i];
                    ObjectNode m = JSON.createObjectNode();
                    m.put("run", r.name);
                    int g = r.generation(), n = r.rowCount(), sg = r.sampleGeneration(), sn = r.sampleCount();
                    boolean reset = g != s[0], sreset = sg != s[2];
                    if (reset || n > s[1]) {
                        int from = reset ? 0 : (int) s[1];
                        m.put("reset", reset);
                        m.put("from", from);
                        m.set("columns", r.columns(from));
                        s[0] = g; s[1] = n;
                    }
                    if (sreset || sn > s[3]) {
                        m.put("samples_reset", sreset);
                        m.set("samples", r.samples(sreset ? 0 : (int) s[3]));
                        s[2] = sg; s[3] = sn;
                    }
                    if (tick) m.set("summary", r.summary(now));
                    if (m.size() > 1) ev.append(event("run", m, ids(sent)));
                }
            }
            if (tick) { lastTick = now; if (ev.isEmpty()) ev.append(": keep-alive\n\n"); }
            if (!ev.isEmpty()) {
                out.write(ev.toString().getBytes(StandardCharsets.UTF_8));
                out.flush();                                  // IOException here: the browser left
            }
            synchronized (changed) {
                if (version == seen) {
                    try { changed.wait(TICK_MS); } catch (InterruptedException e) { return; }
                }
                seen = version;
            }
        }
    }

    private static String event(String type, JsonNode data, String id) throws IOException {
        return "event: " + type + "\nid: " + id + "\ndata: " + JSON.writeValueAsString(data) + "\n\n";
    }

    private static String ids(long[][] sent) {
        StringBuilder b = new StringBuilder();
        for (long[] s : sent) b.append(b.isEmpty() ? "" : ",").append(s[0]).append('.').append(s[1]).append('.').append(s[2]).append('.').append(s[3]);
        return b.toString();
    }

    private static long[] parseId(String s) {
        String[] p = s.strip().split("\\.");
        try {
            if (p.length == 4) return new long[] {Long.parseLong(p[0]), Long.parseLong(p[1]), Long.parseLong(p[2]), Long.parseLong(p[3])};
        } catch (NumberFormatException ignored) { }
        return new long[] {-1, 0, -1, 0};
    }

    // ---- plumbing ---------------------------------------------------------------------------------------------

    /** Unknown run: 404. */
    private static final class NotFound extends UserError {
        NotFound() { super("no such run"); }
    }

    private boolean authorized(HttpExchange x, Map<String, List<String>> q) {
        String given = first(q, "token");
        if (given != null && same(given, token)) {
            x.getResponseHeaders().add("Set-Cookie", "jgpt_token=" + token + "; HttpOnly; SameSite=Strict; Path=/");
            return true;
        }
        String cookies = x.getRequestHeaders().getFirst("Cookie");
        if (cookies != null)
            for (String c : cookies.split(";")) {
                String t = c.strip();
                if (t.startsWith("jgpt_token=") && same(t.substring(11), token)) return true;
            }
        String auth = x.getRequestHeaders().getFirst("Authorization");
        return auth != null && auth.startsWith("Bearer ") && same(auth.substring(7), token);
    }

    private static boolean same(String a, String b) {
        return MessageDigest.isEqual(a.getBytes(StandardCharsets.UTF_8), b.getBytes(StandardCharsets.UTF_8));
    }

    static Map<String, List<String>> query(String raw) {
        Map<String, List<String>> m = new LinkedHashMap<>();
        if (raw == null || raw.isEmpty()) return m;
        for (String kv : raw.split("&")) {
            int eq = kv.indexOf('=');
            String k = URLDecoder.decode(eq < 0 ? kv : kv.substring(0, eq), StandardCharsets.UTF_8);
            String v = eq < 0 ? "" : URLDecoder.decode(kv.substring(eq + 1), StandardCharsets.UTF_8);
            m.computeIfAbsent(k, key -> new ArrayList<>()).add(v);
        }
        return m;
    }

    private static String first(Map<String, List<String>> q, String k) {
        List<String> v = q.get(k);
        return v == null || v.isEmpty() ? null : v.getFirst();
    }

    private static void sendJson(HttpExchange x, int code, Object body) throws IOException {
        send(x, code, "application/json; charset=utf-8", JSON.writeValueAsBytes(body));
    }

    private static void send(HttpExchange x, int code, String type, String text) throws IOException {
        send(x, code, type + (type.startsWith("text/plain") ? "; charset=utf-8" : ""), text.getBytes(StandardCharsets.UTF_8));
    }

    private static void send(HttpExchange x, int code, String type, byte[] body) throws IOException {
        x.getResponseHeaders().set("Content-Type", type);
        boolean head = x.getRequestMethod().equals("HEAD");
        x.sendResponseHeaders(code, head ? -1 : body.length == 0 ? -1 : body.length);
        if (!head && body.length > 0) x.getResponseBody().write(body);
    }
}
