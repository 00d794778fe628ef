package jgpt.spark;

/**
 * Main class of the jgpt-spark jar for spark-submit: the jgpt CLI, where {@code train --spark MASTER}
 * trains on the cluster ({@link SparkBackend}).
 */
public final class SparkMain {
    private SparkMain() {}

    public static void main(String[] args) { System.exit(jgpt.cli.Main.run(args)); }
}
