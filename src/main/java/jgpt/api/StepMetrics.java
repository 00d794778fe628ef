package jgpt.api;

/**
 * One training step as {@link Training.Builder#onStep} reports it (the same numbers as a line of metrics.jsonl).
 *
 * @param step         the step, 0-based
 * @param loss         mean training loss of the step's batch
 * @param lr           learning rate used
 * @param gradNorm     global gradient norm before clipping
 * @param millis       wall time of the step
 * @param tokensPerSecond training throughput
 * @param valLoss      validation loss when it was measured after this step, else NaN
 */
public record StepMetrics(long step, double loss, double lr, double gradNorm, double millis, double tokensPerSecond, double valLoss) {}
