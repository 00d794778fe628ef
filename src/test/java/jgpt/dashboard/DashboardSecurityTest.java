package jgpt.dashboard;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** What a hostile page or client can do: read outside the runs, rebind DNS, write, skip the token. */
class DashboardSecurityTest {
    static final String SECRET = "SECRET-7f3a";
    @TempDir Path tmp;
    Path served, outside;
    Dashboard dash;

    /** Raw HTTP/1.1 over a socket: the request target and headers exactly as written (no client-side normalising). */
    record Reply(int status, String headers, String body) {}

    Reply raw(String method, String target, String host, String extraHeaders, String body) throws IOException {
        try (Socket s = new Socket("127.0.0.1", dash.port())) {
            s.setSoTimeout(10_000);
            byte[] b = body == null ? new byte[0] : body.getBytes(StandardCharsets.UTF_8);
            String req = method + " " + target + " HTTP/1.1\r\n" + (host == null ? "" : "Host: " + host + "\r\n") + extraHeaders
                    + (body == null ? "" : "Content-Length: " + b.length + "\r\n") + "Connection: close\r\n\r\n";
            OutputStream out = s.getOutputStream();
            out.write(req.getBytes(StandardCharsets.UTF_8));
            out.write(b);
            out.flush();
            InputStream in = s.getInputStream();
            String all = new String(in.readAllBytes(), StandardCharsets.UTF_8);
            int split = all.indexOf("\r\n\r\n");
            String head = split < 0 ? all : all.substring(0, split);
            if (!head.startsWith("HTTP/1.1 ")) throw new IOException(method + " " + target + ": no HTTP reply but '" + all + "'");
            return new Reply(Integer.parseInt(head.split(" ")[1]), head, split < 0 ? "" : all.substring(split + 4));
        }
    }

    Reply get(String target) throws IOException { return raw("GET", target, "127.0.0.1:" + dash.port(), "", null); }

    @BeforeEach void serve() throws Exception {
        served = tmp.resolve("served");
        outside = tmp.resolve("outside");
        Path run = served.resolve("good");
        Files.createDirectories(run);
        Files.writeString(run.resolve("metrics.jsonl"), "{\"step\":0,\"loss\":4.2}\n");
        Path hidden = outside.resolve("hidden");
        Files.createDirectories(hidden);
        Files.writeString(hidden.resolve("metrics.jsonl"), "{\"step\":0,\"loss\":1.0,\"note\":\"" + SECRET + "\"}\n");
        Files.writeString(outside.resolve("secret.txt"), SECRET);
        Files.createSymbolicLink(served.resolve("link"), hidden);                           // a run directory pointing outside
        Path leaky = served.resolve("leaky");
        Files.createDirectories(leaky);
        Files.createSymbolicLink(leaky.resolve("metrics.jsonl"), hidden.resolve("metrics.jsonl"));   // a file pointing outside
        Files.writeString(leaky.resolve("config.json"), "{}");
        Files.createSymbolicLink(leaky.resolve("samples.jsonl"), hidden.resolve("metrics.jsonl"));
        Files.createSymbolicLink(leaky.resolve("run.json"), outside.resolve("secret.txt"));
        dash = new Dashboard(List.of(served), new Dashboard.Options("127.0.0.1", 0, null));
    }

    @AfterEach void stop() { if (dash != null) dash.close(); }

    @Test void traversalServesNothingOutsideTheRuns() throws Exception {
        String[] targets = {
                "/static/../../outside/secret.txt", "/static/../../../../../../etc/passwd", "/../outside/secret.txt",
                "/static/%2e%2e/%2e%2e/outside/secret.txt", "/static/..%2f..%2foutside%2fsecret.txt", "/static/%2e%2e%2f%2e%2e%2fetc%2fpasswd",
                "/static/%252e%252e%252f%252e%252e%252foutside%252fsecret.txt", "/static/%c0%ae%c0%ae/secret.txt",
                "/api/run?run=../outside/hidden", "/api/run?run=served/../outside/hidden", "/api/run?run=%2e%2e%2foutside%2fhidden",
                "/api/run?run=%252e%252e%252foutside%252fhidden", "/api/run?run=served/link", "/api/run?run=" + outside.resolve("hidden"),
                "/api/events?run=served/link", "/api/model/info?run=served/link", "/api/model/info?run=served/leaky",
        };
        for (String t : targets) {
            Reply r = get(t);
            assertTrue(r.status >= 400 && r.status < 500, t + " → " + r.status);
            assertFalse(r.body.contains(SECRET) || r.body.contains("root:"), t + " leaked: " + r.body);
        }
        Reply list = get("/api/runs");
        assertEquals(200, list.status);
        assertTrue(list.body.contains("served/good"), list.body);
        assertFalse(list.body.contains("served/link"), "a symlinked run directory is not followed: " + list.body);
        // the run whose files are symlinks out of the served directory is listed, but they are never read
        Reply leaky = get("/api/run?run=served/leaky");
        assertEquals(200, leaky.status);
        assertFalse(leaky.body.contains(SECRET), leaky.body);
        assertTrue(leaky.body.contains("\"points\":0"), leaky.body);
        assertEquals(200, get("/api/run?run=served/good").status);
    }

    @Test void foreignHostIsRefused() throws Exception {
        int p = dash.port();
        for (String host : new String[] {"evil.example:" + p, "evil.example", "127.0.0.1:" + (p + 1), "localhost.evil.example:" + p, ""}) {
            Reply r = raw("GET", "/api/runs", host, "", null);
            assertTrue(r.status >= 400 && r.status < 500, host + " → " + r.status);
            assertFalse(r.body.contains("served/good"));
        }
        assertEquals(403, raw("GET", "/api/runs", null, "", null).status);    // no Host at all
        for (String host : new String[] {"127.0.0.1:" + p, "localhost:" + p}) assertEquals(200, raw("GET", "/api/runs", host, "", null).status);
    }

    @Test void nothingWritesAndComputationsAreCapped() throws Exception {
        List<String> before = tree();
        String host = "127.0.0.1:" + dash.port(), json = "Content-Type: application/json\r\n";
        for (String m : new String[] {"PUT", "DELETE", "PATCH", "POST"})
            for (String t : new String[] {"/", "/api/run?run=served/good", "/api/runs", "/static/common.js", "/api/model/info?run=served/good"})
                assertEquals(405, raw(m, t, host, json, "{}").status, m + " " + t);
        assertEquals(405, raw("GET", "/api/model/explain", host, "", null).status);
        assertEquals(415, raw("POST", "/api/model/explain", host, "Content-Type: text/plain\r\n", "{}").status);   // no form posts from other pages
        assertEquals(403, raw("POST", "/api/model/explain", host, json + "Origin: http://evil.example\r\n", "{\"run\":\"served/good\"}").status);
        assertEquals(413, raw("POST", "/api/model/explain", host, json, "{\"prompt\":\"" + "x".repeat(Dashboard.MAX_BODY) + "\"}").status);
        assertEquals(404, raw("POST", "/api/model/explain", host, json, "{\"run\":\"../outside/hidden\",\"prompt\":\"a\"}").status);
        Reply noModel = raw("POST", "/api/model/explain", host, json, "{\"run\":\"served/good\",\"prompt\":\"a\"}");
        assertEquals(400, noModel.status);
        assertTrue(noModel.body.contains("no model"), noModel.body);
        assertEquals(before, tree());
    }

    @Test void headersForbidForeignContent() throws Exception {
        for (String t : new String[] {"/", "/run?run=served/good", "/static/run.js", "/api/runs", "/nope"}) {
            Reply r = get(t);
            assertTrue(r.headers.toLowerCase().contains("content-security-policy: default-src 'self'"), t + ": " + r.headers);
            assertTrue(r.headers.toLowerCase().contains("x-content-type-options: nosniff"), t + ": " + r.headers);
        }
    }

    @Test void tokenIsRequiredWhenSet() throws Exception {
        dash.close();
        String token = Dashboard.newToken();
        dash = new Dashboard(List.of(served), new Dashboard.Options("127.0.0.1", 0, token));
        assertEquals(401, get("/api/runs").status);
        assertEquals(401, get("/?token=wrong").status);
        Reply ok = get("/?token=" + token);
        assertEquals(200, ok.status);
        assertTrue(ok.headers.contains("jgpt_token=" + token) && ok.headers.contains("HttpOnly"), ok.headers);
        String host = "127.0.0.1:" + dash.port();
        assertEquals(200, raw("GET", "/api/runs", host, "Cookie: jgpt_token=" + token + "\r\n", null).status);
        assertEquals(401, raw("GET", "/api/runs", host, "Cookie: jgpt_token=" + token.substring(1) + "\r\n", null).status);
        assertTrue(dash.url("/").toString().endsWith("?token=" + token));
    }

    @Test void nonLoopbackNeedsAToken() {
        assertTrue(Dashboard.needsToken("0.0.0.0"));
        assertTrue(Dashboard.needsToken("192.0.2.1"));
        assertFalse(Dashboard.needsToken("127.0.0.1"));
        assertFalse(Dashboard.needsToken("::1"));
        assertFalse(Dashboard.needsToken("localhost"));
        // refused before anything is bound
        assertThrows(IllegalArgumentException.class, () -> new Dashboard(List.of(served), new Dashboard.Options("0.0.0.0", 0, null)));
    }

    List<String> tree() throws IOException {
        try (Stream<Path> s = Files.walk(tmp)) {
            return s.map(p -> p + ":" + (Files.isRegularFile(p) ? p.toFile().length() + ":" + p.toFile().lastModified() : "")).sorted().toList();
        }
    }
}
