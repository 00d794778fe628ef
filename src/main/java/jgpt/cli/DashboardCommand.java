package jgpt.cli;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;
import jgpt.UserError;
import jgpt.dashboard.Dashboard;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/** {@code jgpt dashboard DIR…}: the live browser dashboard for the runs under the given directories. */
@Command(name = "dashboard", mixinStandardHelpOptions = true,
        description = {"Serve a live dashboard of every run under the given directories (runs started later show up too):",
                "loss curves, samples, configuration, and each run's model (next-token table, attention, gradients, parameters).",
                "Example: ./jgpt dashboard runs   then open the printed address; Ctrl-C stops."})
public final class DashboardCommand implements Callable<Integer> {
    @Parameters(arity = "0..*", paramLabel = "DIR", description = "run directories, or directories holding runs") List<Path> dirs = new ArrayList<>();
    @Option(names = "--model", paramLabel = "DIR", description = "also serve this model directory (opens its model page)") Path model;
    @Mixin Serve serve = new Serve();

    /** --host and --port, shared with {@code train --dashboard}. */
    static final class Serve {
        @Option(names = "--port", defaultValue = "6006", description = "port (default ${DEFAULT-VALUE}; 0 = any free port)") int port;
        @Option(names = "--host", defaultValue = "127.0.0.1", description = "address to bind (default ${DEFAULT-VALUE}); any other than loopback needs the printed token") String host;

        /** Starts the dashboard and prints its address. */
        Dashboard start(List<Path> dirs, String page) {
            if (port < 0 || port > 65535) throw new UserError("--port must be in 0..65535, got " + port);
            String token = Dashboard.needsToken(host) ? Dashboard.newToken() : null;
            try {
                Dashboard d = new Dashboard(dirs, new Dashboard.Options(host, port, token));
                System.out.println("dashboard: " + d.url(page) + (token == null ? "" : "   (the token in it is needed: this address is reachable from other machines)"));
                return d;
            } catch (java.net.BindException e) {
                throw new UserError("cannot listen on " + host + ":" + port + " (" + e.getMessage() + "): choose another --port");
            } catch (java.io.IOException e) {
                throw new UserError("cannot start the dashboard on " + host + ":" + port + ": " + e.getMessage());
            }
        }
    }

    @Override public Integer call() throws Exception {
        List<Path> all = new ArrayList<>(dirs);
        if (model != null) all.add(model);
        if (all.isEmpty()) throw new UserError("give one or more directories with runs (e.g. ./jgpt dashboard runs), or --model DIR");
        String page = model == null ? "/" : "/model?run=" + java.net.URLEncoder.encode(model.toAbsolutePath().normalize().getFileName().toString(), java.nio.charset.StandardCharsets.UTF_8);
        try (Dashboard d = serve.start(all, page)) {
            System.out.println("Ctrl-C stops.");
            Thread.currentThread().join();
        }
        return 0;
    }
}
