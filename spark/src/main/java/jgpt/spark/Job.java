package jgpt.spark;

import java.io.Serializable;
import java.util.Map;
import jgpt.model.Config;

/**
 * What every task of a run needs besides the step's parameters and rows: the model's shape and kernels,
 * the batch geometry, where the tokens are, and the Hadoop settings to read them with.
 *
 * @param failOnce test hook: "SHARD@STEP" makes that task fail on its first attempt (null: off)
 * @param delayMs  test hook: every training task first sleeps this long (so a test can kill a worker mid-step)
 */
record Job(Config cfg, String kernels, int batch, int block, int shards, double dropout,
           TokenRows train, TokenRows val, Map<String, String> hadoop, String failOnce, long delayMs) implements Serializable {}
