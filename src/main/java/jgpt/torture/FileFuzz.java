package jgpt.torture;

import java.io.PrintStream;
import java.nio.file.Path;

final class FileFuzz {
    FileFuzz(Child jgpt, Path work, String data, long seed, PrintStream log) {}
    boolean run(int n, int launched) { return true; }
}
