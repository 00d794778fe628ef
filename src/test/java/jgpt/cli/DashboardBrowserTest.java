package jgpt.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.OutputStream;
import java.io.PrintStream;
import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Arrays;
import java.util.HashSet;
import java.util.List;
import java.util.Locale;
import java.util.Set;
import java.util.concurrent.Semaphore;
import java.util.concurrent.atomic.AtomicReference;
import jgpt.TestData;
import jgpt.dashboard.Chromium;
import jgpt.dashboard.Dashboard;
import jgpt.data.Batches;
import jgpt.data.TokenFile;
import jgpt.inspect.Models;
import jgpt.inspect.ParamInventory;
import jgpt.model.Config;
import jgpt.model.GPT;
import jgpt.tensor.DType;
import jgpt.tokenizer.CharTokenizer;
import jgpt.train.Samples;
import jgpt.train.TrainConfig;
import jgpt.train.Trainer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.openqa.selenium.By;
import org.openqa.selenium.JavascriptExecutor;
import org.openqa.selenium.Keys;
import org.openqa.selenium.OutputType;
import org.openqa.selenium.WebElement;
import org.openqa.selenium.chrome.ChromeDriver;
import org.openqa.selenium.support.ui.WebDriverWait;

/**
 * The dashboard in a real headless Chromium while a run trains in this test: the overview and run pages follow the
 * run without a reload, the smoothing slider redraws the loss, and the model page shows what {@code jgpt explain}
 * computes. The run is held after every step until the test lets it go on, so "while it trains" is exact, not timed.
 * With {@code -Djgpt.docs.screenshots=docs} it also saves the screenshots shown in the README.
 */
class DashboardBrowserTest {
    static final PrintStream QUIET = new PrintStream(OutputStream.nullOutputStream());
    static final int STEPS = 150, LAYERS = 2, HEADS = 4;
    @TempDir Path tmp;

    record Data(CharTokenizer tok, TokenFile train, TokenFile val) {}

    Data data() throws java.io.IOException {
        String text = Files.readString(TestData.shakespeare()).substring(0, 100_000);
        CharTokenizer tok = CharTokenizer.fromText(text);
        int[] ids = tok.encode(text);
        int cut = ids.length * 9 / 10;
        TokenFile.write(tmp.resolve("train.bin"), Arrays.copyOfRange(ids, 0, cut), tok.vocabSize());
        TokenFile.write(tmp.resolve("val.bin"), Arrays.copyOfRange(ids, cut, ids.length), tok.vocabSize());
        return new Data(tok, TokenFile.open(tmp.resolve("train.bin")), TokenFile.open(tmp.resolve("val.bin")));
    }

    /** A tiny char model's run with samples.jsonl; gate (may be null) is taken once per step. */
    static Trainer run(Data d, Path dir, double lr, Semaphore gate) throws Exception {
        GPT model = new GPT(Config.gpt2(d.tok.vocabSize(), 32, LAYERS, HEADS, 32), DType.F32, Models.kernels()).initGpt2(7);
        TrainConfig tc = new TrainConfig(8, 32, STEPS, 1, "adamw", lr, lr / 10, 0.9, 0.99, 1e-8, 0.1, 0, "cosine", 10, 1.0, 0,
                "random", 25, 4, 0, 7);
        Trainer t = new Trainer(model, d.tok, tc, Batches.random(d.train, 8, 32, 7), () -> Batches.random(d.val, 8, 32, 0xE7A1L), dir, 1e11, QUIET);
        Files.createDirectories(dir);
        Samples s = new Samples(model, d.tok, d.tok.encode("\n"), 50, 80, STEPS, 7, dir);
        s.accept(0);
        t.onStep(m -> { s.accept(m.get("step").asLong() + 1); if (gate != null) gate.acquireUninterruptibly(); });
        return t;
    }

    @Test void pagesFollowATrainingRunAndTheModelPageMatchesExplain() throws Exception {
        Data d = data();
        Path runs = tmp.resolve("runs"), live = runs.resolve("tiny"), other = runs.resolve("tiny-lr1e-2");
        run(d, other, 1e-2, null).run();                     // a finished run to compare with
        Semaphore gate = new Semaphore(0);
        Trainer trainer = run(d, live, 3e-3, gate);
        AtomicReference<Throwable> failed = new AtomicReference<>();
        Thread training = Thread.ofPlatform().name("test-training").start(() -> {
            try { trainer.run(); } catch (Throwable e) { failed.set(e); }
        });
        String name = "runs/tiny", enc = URLEncoder.encode(name, StandardCharsets.UTF_8);
        int allowed = 20;
        gate.release(allowed);
        ChromeDriver b = null;
        try (Dashboard dash = new Dashboard(List.of(runs), new Dashboard.Options("127.0.0.1", 0, null))) {
            b = Chromium.start(tmp.resolve("profile"), 1280, 1000);
            JavascriptExecutor js = b;
            WebDriverWait wait = new WebDriverWait(b, Duration.ofSeconds(60));

            // overview: the live run's step and loss change without a reload
            b.get(dash.url("/").toString());
            By step = By.cssSelector("tr[data-run='" + name + "'] td.step");
            int rows0 = allowed + 1;                          // the step after the last permit wrote its line, then waits
            wait.until(x -> x.findElement(step).getText().equals("step " + rows0 + " of " + STEPS));
            assertEquals(lossText(live), b.findElement(By.cssSelector("tr[data-run='" + name + "'] td.loss")).getText());
            js.executeScript("window.notReloaded = true");
            gate.release(allowed);
            wait.until(x -> x.findElement(step).getText().equals("step " + (rows0 + allowed) + " of " + STEPS));
            assertEquals(lossText(live), b.findElement(By.cssSelector("tr[data-run='" + name + "'] td.loss")).getText());
            assertEquals(true, js.executeScript("return window.notReloaded === true"));
            assertEquals("running", b.findElement(By.cssSelector("tr[data-run='" + name + "'] .status")).getText());

            // run page: point count and last loss follow the run
            b.get(dash.url("/run?run=" + enc).toString());
            int rows1 = rows0 + allowed;
            wait.until(x -> String.valueOf(rows1).equals(x.findElement(By.id("chart-loss")).getAttribute("data-points")));
            wait.until(x -> x.findElement(By.cssSelector(".last-loss")).getText().equals(lossText(live)));
            js.executeScript("window.notReloaded = true");
            gate.release(allowed);
            wait.until(x -> String.valueOf(rows1 + allowed).equals(x.findElement(By.id("chart-loss")).getAttribute("data-points")));
            wait.until(x -> x.findElement(By.cssSelector(".points")).getText().equals(String.valueOf(rows1 + allowed)));
            wait.until(x -> x.findElement(By.cssSelector(".last-loss")).getText().equals(lossText(live)));
            assertEquals(true, js.executeScript("return window.notReloaded === true"));
            assertEquals(rows1 + allowed, ((Number) js.executeScript("return window.dash.charts.loss.data[0].length")).intValue());

            // the smoothing slider redraws the smoothed series; at 0 it is the raw loss
            String smoothed = (String) js.executeScript("return JSON.stringify(window.dash.charts.loss.data[2])");
            WebElement slider = b.findElement(By.id("smooth"));
            slider.sendKeys(Keys.HOME);                       // keyboard on the range input: its minimum, 0
            assertEquals("0.000", b.findElement(By.id("smooth-v")).getText());
            String raw = (String) js.executeScript("return JSON.stringify(window.dash.charts.loss.data[1])");
            String unsmoothed = (String) js.executeScript("return JSON.stringify(window.dash.charts.loss.data[2])");
            assertNotEquals(smoothed, unsmoothed);
            assertEquals(raw, unsmoothed);
            slider.sendKeys(Keys.END);
            assertEquals("0.999", b.findElement(By.id("smooth-v")).getText());
            assertNotEquals(unsmoothed, js.executeScript("return JSON.stringify(window.dash.charts.loss.data[2])"));

            // let the run finish: the page follows to the end, samples listed
            gate.release(1_000_000);
            training.join();
            assertNull(failed.get());
            wait.until(x -> String.valueOf(STEPS).equals(x.findElement(By.id("chart-loss")).getAttribute("data-points")));
            wait.until(x -> x.findElements(By.cssSelector("#samples tbody tr")).size() == 4);   // steps 0, 50, 100, 150
            slider.sendKeys(Keys.HOME);
            for (int i = 0; i < 900; i += 100) slider.sendKeys(Keys.PAGE_UP);
            screenshot(b, "dashboard_run.png");

            b.get(dash.url("/").toString());
            wait.until(x -> x.findElement(By.cssSelector("tr[data-run='" + name + "'] .status")).getText().equals("finished"));
            screenshot(b, "dashboard_overview.png");

            // runs overlaid, one of them without a line yet: every chart draws, the browser reports no script error
            Files.createDirectories(runs.resolve("empty"));
            Files.writeString(runs.resolve("empty/metrics.jsonl"), "");
            b.get(dash.url("/").toString());
            wait.until(x -> !x.findElements(By.cssSelector("tr[data-run='runs/empty']")).isEmpty());
            b.get(dash.url("/run?run=" + enc + "&run=" + URLEncoder.encode("runs/tiny-lr1e-2", StandardCharsets.UTF_8) + "&run=runs%2Fempty").toString());
            wait.until(x -> (STEPS + "," + STEPS + ",0").equals(x.findElement(By.id("chart-loss")).getAttribute("data-points")));
            assertEquals(STEPS, ((Number) js.executeScript("return window.dash.charts.lr.data[0].length")).intValue());
            List<String> errors = b.manage().logs().get("browser").getAll().stream().map(Object::toString)
                    .filter(m -> m.contains("SEVERE") && !m.contains("favicon.ico")).toList();
            assertEquals(List.of(), errors);

            // model page: the same top token and probability as jgpt explain --json
            String prompt = "ROMEO:\nWhat say";
            b.get(dash.url("/model?run=" + enc).toString());
            WebElement box = b.findElement(By.id("prompt"));
            box.clear();
            box.sendKeys(prompt);
            b.findElement(By.id("nudge")).sendKeys("layer.0.wq[3,5]");
            js.executeScript("document.getElementById('next').tBodies[0].replaceChildren()");
            b.findElement(By.id("run")).click();
            wait.until(x -> !x.findElements(By.cssSelector("#next tbody tr")).isEmpty());
            JsonNode ex = CliRun.run("explain", "--model", live.toString(), "--prompt", prompt, "--json").json();
            WebElement first = b.findElement(By.cssSelector("#next tbody tr"));
            assertEquals(ex.at("/top/0/id").asInt(), Integer.parseInt(first.getAttribute("data-id")));
            assertEquals(ex.at("/top/0/p").asDouble(), Double.parseDouble(first.getAttribute("data-p")));
            assertEquals(String.format(Locale.ROOT, "%.4f", ex.at("/top/0/p").asDouble()), first.findElement(By.cssSelector(".p")).getText());
            assertEquals(ex.at("/top/0/text").asText().replace(" ", "␣").replace("\n", "⏎"), first.findElement(By.cssSelector(".tok")).getText());

            wait.until(x -> x.findElement(By.id("nudges")).getText().contains("layer.0.wq[3,5]"));

            // ranked continuations: the same order as jgpt probe --json
            b.findElement(By.id("probe")).click();
            wait.until(x -> x.findElements(By.cssSelector("#probed tbody tr")).size() == 3);
            JsonNode pr = CliRun.run("probe", "--model", live.toString(), "--prompt", prompt, "--candidates", " be| not| the", "--json").json();
            List<String> order = b.findElements(By.cssSelector("#probed tbody tr td:nth-child(2)")).stream().map(WebElement::getText).toList();
            List<String> expected = new java.util.ArrayList<>();
            for (JsonNode c : pr.get("ranked")) expected.add(c.get("candidate").asText().replace(" ", "␣"));
            assertEquals(expected, order);

            // one heatmap per layer × head
            List<WebElement> heat = b.findElements(By.cssSelector("canvas.heat"));
            assertEquals(LAYERS * HEADS, heat.size());
            Set<String> seen = new HashSet<>();
            for (WebElement c : heat) seen.add(c.getAttribute("data-layer") + "." + c.getAttribute("data-head"));
            assertEquals(LAYERS * HEADS, seen.size());
            long total = ParamInventory.of(Models.readConfig(live)).total;
            wait.until(x -> x.findElement(By.id("shape")).getText().contains(String.format(Locale.US, "%,d parameters", total)));
            screenshot(b, "dashboard_model.png");
        } finally {
            gate.release(1_000_000);
            training.join();
            if (b != null) b.quit();
        }
    }

    /** The last training loss in metrics.jsonl, as the pages print it. */
    static String lossText(Path run) {
        try {
            List<String> lines = Files.readAllLines(run.resolve("metrics.jsonl"));
            return String.format(Locale.ROOT, "%.4f", new ObjectMapper().readTree(lines.getLast()).get("loss").asDouble());
        } catch (java.io.IOException e) {
            throw new java.io.UncheckedIOException(e);
        }
    }

    /** With -Djgpt.docs.screenshots=DIR: the page as a PNG in DIR (a normal test run writes nothing). */
    static void screenshot(ChromeDriver b, String file) throws Exception {
        String dir = System.getProperty("jgpt.docs.screenshots");
        if (dir == null || dir.isBlank()) return;
        long h = ((Number) b.executeScript("return document.documentElement.scrollHeight")).longValue();
        b.manage().window().setSize(new org.openqa.selenium.Dimension(1280, (int) Math.min(2400, Math.max(800, h + 20))));
        b.executeScript("window.scrollTo(0, 0)");
        Thread.sleep(300);                                    // let the charts redraw at the new size
        Files.createDirectories(Path.of(dir));
        Files.write(Path.of(dir, file), b.getScreenshotAs(OutputType.BYTES));
        b.manage().window().setSize(new org.openqa.selenium.Dimension(1280, 1000));
    }
}
