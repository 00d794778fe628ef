package jgpt.dashboard;

import java.io.File;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.openqa.selenium.chrome.ChromeDriver;
import org.openqa.selenium.chrome.ChromeDriverService;
import org.openqa.selenium.chrome.ChromeOptions;

/**
 * Debian's headless Chromium for the browser tests: installed with apt-get when missing (as root, as a fresh CI
 * machine runs the tests), driven through the given binary and driver paths so Selenium Manager never looks for or
 * downloads a browser. No browser → the test fails saying why (it never skips).
 */
public final class Chromium {
    public static final Path BINARY = Path.of("/usr/bin/chromium"), DRIVER = Path.of("/usr/bin/chromedriver");
    private static boolean checked;

    private Chromium() {}

    public static synchronized void ensureInstalled() {
        if (checked || Files.isExecutable(BINARY) && Files.isExecutable(DRIVER)) { checked = true; return; }
        if (!"root".equals(System.getProperty("user.name")))
            throw new AssertionError("the browser tests need Debian's chromium and chromium-driver: run `apt-get install -y chromium chromium-driver` as root, or the tests as root");
        run(List.of("apt-get", "update"));
        run(List.of("apt-get", "install", "-y", "--no-install-recommends", "chromium", "chromium-driver"));
        if (!Files.isExecutable(BINARY) || !Files.isExecutable(DRIVER))
            throw new AssertionError("apt-get installed chromium but " + BINARY + " or " + DRIVER + " is missing");
        checked = true;
    }

    private static void run(List<String> cmd) {
        try {
            ProcessBuilder pb = new ProcessBuilder(cmd).redirectErrorStream(true).redirectOutput(ProcessBuilder.Redirect.DISCARD);
            pb.environment().put("DEBIAN_FRONTEND", "noninteractive");
            Process p = pb.start();
            if (!p.waitFor(15, TimeUnit.MINUTES)) { p.destroyForcibly(); throw new AssertionError(String.join(" ", cmd) + " took over 15 minutes"); }
            if (p.exitValue() != 0) throw new AssertionError(String.join(" ", cmd) + " failed with exit code " + p.exitValue() + ": cannot install the browser for the dashboard tests");
        } catch (java.io.IOException | InterruptedException e) {
            throw new AssertionError("cannot run " + String.join(" ", cmd) + ": " + e, e);
        }
    }

    /** A fresh headless browser with its own profile directory, offline except for the loopback dashboard. */
    public static ChromeDriver start(Path profile, int width, int height) {
        ensureInstalled();
        System.setProperty("webdriver.chrome.driver", DRIVER.toString());
        ChromeOptions o = new ChromeOptions();
        o.setBinary(BINARY.toFile());
        o.addArguments("--headless=new", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage", "--disable-background-networking",
                "--disable-component-update", "--no-first-run", "--disable-sync", "--disable-extensions", "--hide-scrollbars",
                "--user-data-dir=" + profile.toAbsolutePath(), "--window-size=" + width + "," + height, "--force-device-scale-factor=1");
        ChromeDriverService svc = new ChromeDriverService.Builder().usingDriverExecutable(new File(DRIVER.toString())).usingAnyFreePort().build();
        ChromeDriver d = new ChromeDriver(svc, o);
        d.manage().timeouts().scriptTimeout(Duration.ofSeconds(30));
        return d;
    }
}
