package jgpt.dashboard;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.util.HashMap;
import java.util.Map;
import java.util.Properties;

/**
 * The pages, scripts and styles, read once from the jar: jgpt/dashboard/* and uPlot from its WebJar. Requests
 * name them exactly (a map lookup), so no request path is ever resolved against a file system.
 */
final class Assets {
    record Asset(String type, byte[] bytes) {}

    private static final String[] OWN = {"index.html", "run.html", "model.html", "dashboard.css", "common.js", "overview.js", "run.js", "model.js"};
    private final Map<String, Asset> byName = new HashMap<>();

    Assets() {
        for (String n : OWN) byName.put(n, new Asset(type(n), read("/jgpt/dashboard/" + n)));
        String uplot = "/META-INF/resources/webjars/uplot/" + uplotVersion() + "/dist/";
        byName.put("uPlot.iife.min.js", new Asset(type(".js"), read(uplot + "uPlot.iife.min.js")));
        byName.put("uPlot.min.css", new Asset(type(".css"), read(uplot + "uPlot.min.css")));
    }

    Asset get(String name) { return byName.get(name); }

    private static String uplotVersion() {
        Properties p = new Properties();
        try (InputStream in = Assets.class.getResourceAsStream("/META-INF/maven/org.webjars.npm/uplot/pom.properties")) {
            if (in == null) throw new IllegalStateException("uPlot's WebJar is not on the class path");
            p.load(in);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return p.getProperty("version");
    }

    private static byte[] read(String resource) {
        try (InputStream in = Assets.class.getResourceAsStream(resource)) {
            if (in == null) throw new IllegalStateException(resource + " is missing from the jar");
            return in.readAllBytes();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private static String type(String name) {
        if (name.endsWith(".html")) return "text/html; charset=utf-8";
        if (name.endsWith(".js")) return "text/javascript; charset=utf-8";
        if (name.endsWith(".css")) return "text/css; charset=utf-8";
        return "application/octet-stream";
    }
}
