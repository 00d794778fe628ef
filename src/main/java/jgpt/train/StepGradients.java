package jgpt.train;

/**
 * What a training step computes before the optimizer: the mean loss and mean gradient of the step's
 * micro-batches, given as row starts into the training tokens (see {@link jgpt.data.BatchSource}). The
 * {@link Trainer} chooses the rows and its {@link TrainStep} runs grad norm, clip, schedule and the update
 * once, whoever computed the gradient: {@link LocalGradients} (replicas on this machine's threads) or a cluster
 * (jgpt-spark's tasks). Implementations must be pure functions of (parameters, rows, step), so a step
 * does not depend on where or how often its pieces ran.
 */
public interface StepGradients extends AutoCloseable {
    /**
     * Leaves in model.grads() (zero on entry) the gradient of the mean loss over all of the step's
     * micro-batches ({@code starts[m]} = the B row starts of micro-batch m) and returns that mean loss.
     * Dropout masks come from {@link TrainConfig#dropoutSeed}(step, m).
     */
    double gradients(long step, long[][] starts);

    /** Mean loss over validation batches ({@code starts[i]} = the B row starts of batch i in the validation tokens). */
    double validationLoss(long[][] starts);

    /** Releases what the implementation holds (a cluster connection). */
    @Override default void close() {}

    /**
     * A cluster backend, found with {@link java.util.ServiceLoader} (jgpt-spark provides "spark"), so the
     * core carries no cluster library.
     */
    interface Backend {
        String name();

        /** The gradients of a run on {@code master} split over {@code workers} shards per micro-batch. */
        StepGradients open(Run run);

        /**
         * A prepared directory (train.bin, val.bin, tokenizer.json) or an llm.c token file at a URI the
         * backend's file systems read (hdfs://, s3a://, file://): headers and tokenizer only.
         */
        RemoteData openData(String uri);
    }

    /** Token files known by their headers ({@link jgpt.data.TokenFile#remote}); val and tokenizer may be null. */
    record RemoteData(jgpt.data.TokenFile train, jgpt.data.TokenFile val, jgpt.tokenizer.Tokenizer tokenizer, String tokenizerSpec) {}

    /**
     * One run's facts a backend needs: the driver's model (its parameters go out each step, the summed
     * gradient comes back into its grads), the kernels' name, and the token files.
     */
    record Run(String master, int workers, jgpt.model.GPT model, String kernels, TrainConfig train,
               jgpt.data.TokenFile trainTokens, jgpt.data.TokenFile valTokens, java.nio.file.Path runDir,
               java.io.PrintStream log) {}
}
