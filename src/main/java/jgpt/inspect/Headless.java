package jgpt.inspect;

/**
 * Java2D without a display: image writers call {@link #init()} from their static initialiser, before any AWT
 * class loads (AWT reads java.awt.headless once). This class itself touches no AWT, so calling it cannot fail.
 */
final class Headless {
    private Headless() {}

    static { System.setProperty("java.awt.headless", "true"); }

    /** Does nothing itself; the first call runs the static initialiser above. */
    static void init() {}
}
