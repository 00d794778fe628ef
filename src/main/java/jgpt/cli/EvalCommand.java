package jgpt.cli;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import jgpt.UserError;
import jgpt.io.ModelStore;
import jgpt.data.Batches;
import jgpt.data.TokenFile;
import jgpt.model.Config;
import jgpt.model.GPT;
import jgpt.tensor.DType;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

import java.nio.file.Path;
import java.util.Locale;
import java.util.concurrent.Callable;

/**
 * {@code jgpt eval}: mean cross-entropy of a saved model on token data. Batches are read in order from
 * the start of the file: row b of batch k starts at token (k·B + b)·T, inputs are T tokens, targets the next T.
 */
@Command(name = "eval", mixinStandardHelpOptions = true,
        description = "Mean loss of a model on token data (llm.c .bin or headerless uint16), read sequentially from the start.")
public final class EvalCommand implements Callable<Integer> {
    @picocli.CommandLine.Mixin Runtime runtime = new Runtime();

    @Option(names = "--model", required = true, paramLabel = "DIR", description = "model directory (config.json + model.safetensors) or llm.c checkpoint file")
    Path model;

    @Option(names = "--data", required = true, paramLabel = "FILE", description = "token file: llm.c format or headerless uint16")
    Path data;

    @Option(names = "--batch", defaultValue = "4", paramLabel = "B", description = "rows per batch (default ${DEFAULT-VALUE})")
    int batch;

    @Option(names = "--block", defaultValue = "0", paramLabel = "T", description = "tokens per row (default: the model's context)")
    int block;

    @Option(names = "--batches", defaultValue = "20", paramLabel = "N",
            description = "batches to evaluate (default ${DEFAULT-VALUE}; fewer if the data runs out)")
    int batches;

    @Option(names = "--json", description = "end with one JSON line: loss, batches, tokens, ms, ...")
    boolean json;

    @Override public Integer call() {
        if (batch <= 0) throw new UserError("--batch must be positive, got " + batch);
        if (block < 0) throw new UserError("--block must be positive, got " + block);
        if (batches <= 0) throw new UserError("--batches must be positive, got " + batches);
        long t0 = System.nanoTime();
        // check everything cheap (config, tensor index, data size) before reading the weights
        try (ModelStore.Opened o = ModelStore.open(model); TokenFile tokens = TokenFile.open(data)) {
            Config cfg = o.cfg;
            int T = block == 0 ? cfg.block() : block;
            if (T > cfg.block())
                throw new UserError("--block " + T + " is larger than the model's context of " + cfg.block()
                        + (java.nio.file.Files.isDirectory(model) ? " (n_positions in " + model.resolve(ModelStore.CONFIG) + ")" : " (maxT in " + model + ")"));
            int B = batch;
            long perBatch = (long) B * T;
            if ((long) B * T > Integer.MAX_VALUE / 2) throw new UserError("--batch × --block is too large");
            long available = (tokens.size() - 1) / perBatch;
            if (tokens.size() < perBatch + 1)
                throw new UserError(data + ": " + tokens.size() + " tokens, too few for one batch of " + B + "×" + T
                        + " (needs " + (perBatch + 1) + "); lower --batch or --block");
            int n = (int) Math.min(batches, available);

            GPT m = new GPT(cfg, DType.F32, runtime.kernels());
            o.readInto(m.params);
            long t1 = System.nanoTime();

            Batches order = Batches.eval(tokens, B, T);     // row b of batch k starts at token (k·B + b)·T
            int[] x = new int[(int) perBatch], y = new int[(int) perBatch];
            double sum = 0;
            for (int k = 0; k < n; k++) {
                order.next(x, y);
                for (int i = 0; i < x.length; i++) {
                    int bad = x[i] >= cfg.vocab() ? x[i] : y[i] >= cfg.vocab() ? y[i] : -1;
                    if (bad >= 0)
                        throw new UserError(data + ": token " + bad + " at position " + (k * perBatch + i + (x[i] == bad ? 0 : 1))
                                + " is outside the model's vocabulary of " + cfg.vocab() + " (data tokenized for another model?)");
                }
                sum += m.loss(x, y, B, T);
            }
            long t2 = System.nanoTime();
            double loss = sum / n;
            long evalMs = (t2 - t1) / 1_000_000, loadMs = (t1 - t0) / 1_000_000;
            String note = n < batches ? " (the data holds only " + n + " full batches)" : "";
            System.out.printf(Locale.ROOT, "eval: loss %.4f (perplexity %.2f) over %d batches of %d×%d = %d tokens%s; load %d ms, eval %d ms%n",
                    loss, Math.exp(loss), n, B, T, n * perBatch, note, loadMs, evalMs);
            if (json) {
                ObjectNode j = new ObjectMapper().createObjectNode();
                j.put("loss", loss);
                j.put("perplexity", Math.exp(loss));
                j.put("batches", n);
                j.put("batch", B);
                j.put("block", T);
                j.put("tokens", n * perBatch);
                j.put("ms", evalMs);
                j.put("load_ms", loadMs);
                j.put("model", model.toString());
                j.put("data", data.toString());
                System.out.println(j);
            }
            System.out.flush();
            return 0;
        }
    }

}
