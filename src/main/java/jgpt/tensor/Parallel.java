package jgpt.tensor;

import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.locks.LockSupport;

/**
 * One fixed pool of worker threads for the kernels: {@code threads − 1} daemon workers plus the calling
 * thread, which always takes part. A parallel region hands out task indices 0..n−1 through one atomic
 * counter (dynamic scheduling: a core stolen by another process just takes fewer tasks), so callers
 * pass a reusable {@link Body} object and nothing is allocated per call.
 *
 * <p>Workers spin briefly between regions (kernel calls come back to back in a training step) and then
 * park. Only one region runs at a time: a region started while another is running (another thread, or
 * a body that itself calls {@link #forEach}) simply runs all its tasks on the calling thread.
 *
 * <p>Thread count: {@link #setThreads(int)} (from {@code --threads}), else the system property
 * {@code jgpt.threads}, else {@link Runtime#availableProcessors()}. No ForkJoin pool, no parallel streams.
 */
public final class Parallel {
    private Parallel() {}

    /** Work split into tasks; {@code worker} is 0..threads()−1 (0 = the calling thread), for per-worker scratch. */
    @FunctionalInterface
    public interface Body { void run(int task, int worker); }

    /** Work over an index range [start, end). */
    @FunctionalInterface
    public interface RangeBody { void run(int start, int end, int worker); }

    private static final long SPIN_NANOS = Long.getLong("jgpt.spinMicros", 50) * 1000;

    private static volatile Pool pool;

    /** Number of threads (workers + caller) the kernels use. */
    public static int threads() { return pool().threads; }

    /**
     * Threads a region started now would run on: 1 inside another region (its tasks run inline there, as in
     * a data-parallel replica's kernels), else {@link #threads()}. For choosing how finely to split work.
     */
    public static int width() {
        Pool p = pool();
        return p.busy.get() ? 1 : p.threads;
    }

    /**
     * Sets the thread count (≥ 1); call once at start, before heavy work. Replacing a running pool is
     * allowed (tests use it) but not while a region is running.
     */
    public static synchronized void setThreads(int n) {
        if (n < 1) throw new IllegalArgumentException("threads must be >= 1, got " + n);
        Pool p = pool;
        if (p != null && p.threads == n) return;
        if (p != null) p.shutdown();
        pool = new Pool(n);
    }

    private static Pool pool() {
        Pool p = pool;
        if (p != null) return p;
        synchronized (Parallel.class) {
            if (pool == null) pool = new Pool(defaultThreads());
            return pool;
        }
    }

    /** The system property jgpt.threads if set to a positive number, else the available processors. */
    public static int defaultThreads() {
        String s = System.getProperty("jgpt.threads");
        if (s != null && !s.isBlank()) {
            try {
                int n = Integer.parseInt(s.trim());
                if (n >= 1) return n;
            } catch (NumberFormatException ignored) { }
        }
        return Math.max(1, Runtime.getRuntime().availableProcessors());
    }

    /** Runs body.run(t, worker) for every t in [0, nTasks), spread over the pool; returns when all are done. */
    public static void forEach(int nTasks, Body body) {
        if (nTasks <= 0) return;
        Pool p = pool();
        if (nTasks == 1 || p.threads == 1 || !p.busy.compareAndSet(false, true)) {
            for (int t = 0; t < nTasks; t++) body.run(t, 0);
            return;
        }
        p.run(nTasks, body);
    }

    /**
     * Splits [0, n) into contiguous chunks of at least {@code minChunk} indices (at most one chunk per
     * thread) and runs them in parallel. For elementwise kernels: below ~minChunk·2 it runs inline.
     */
    public static void parallelFor(int n, int minChunk, RangeBody body) {
        if (n <= 0) return;
        split(n, Math.min(pool().threads, Math.max(1, n / Math.max(1, minChunk))), body, false);
    }

    /**
     * For reductions: splits [0, n) into exactly {@code chunks} contiguous ranges and runs
     * {@code body.run(start, end, chunk)} for each — the third argument is the chunk's index, not the worker.
     * A caller that sums each chunk into its own partial and adds the partials up in chunk order gets
     * the same bits whatever thread ran which chunk and however many threads there are.
     */
    public static void forChunks(int n, int chunks, RangeBody body) {
        if (n <= 0) return;
        split(n, Math.max(1, Math.min(chunks, n)), body, true);
    }

    /** [0, n) in `chunks` equal ranges over the pool, or inline (each range in order) when the pool is held or one thread. */
    private static void split(int n, int chunks, RangeBody body, boolean byChunk) {
        Pool p = pool();
        if (chunks == 1 || p.threads == 1 || !p.busy.compareAndSet(false, true)) {
            if (!byChunk) body.run(0, n, 0);
            else for (int c = 0; c < chunks; c++) body.run((int) ((long) n * c / chunks), (int) ((long) n * (c + 1) / chunks), c);
            return;
        }
        Splitter s = byChunk ? p.chunkSplitter : p.splitter;
        s.body = body;
        s.n = n;
        s.chunks = chunks;
        s.byChunk = byChunk;
        try {
            p.run(chunks, s);
        } finally {
            s.body = null;
        }
    }

    /** Chunks for {@link #forChunks}: at least minChunk indices each, at most {@code max}; from n alone, never from the thread count. */
    public static int reductionChunks(int n, int minChunk, int max) {
        return Math.max(1, Math.min(max, n / Math.max(1, minChunk)));
    }

    /** Turns task indices into equal contiguous ranges; one per pool, used only while the pool is held. */
    private static final class Splitter implements Body {
        RangeBody body;
        int n, chunks;
        boolean byChunk;       // pass the chunk index instead of the worker (forChunks)

        @Override public void run(int task, int worker) {
            long lo = (long) n * task / chunks, hi = (long) n * (task + 1) / chunks;
            body.run((int) lo, (int) hi, byChunk ? task : worker);
        }
    }

    /**
     * Tasks are claimed from one atomic word (region epoch in the high half, next task index in the low half),
     * so a worker that wakes late, after its region is over, claims nothing: the caller never waits for a
     * worker to wake up, only for tasks already running. Region parameters sit in two slots by epoch
     * parity, so a late worker can at worst read the next region's slot, and then its claim fails.
     */
    private static final class Pool {
        final int threads;
        final Worker[] workers;
        final AtomicBoolean busy = new AtomicBoolean();
        final AtomicLong claim = new AtomicLong();          // (epoch << 32) | next task
        final AtomicInteger done = new AtomicInteger();     // tasks finished in the current region
        final Body[] bodies = new Body[2];
        final int[] counts = new int[2];
        final Splitter splitter = new Splitter(), chunkSplitter = new Splitter();
        volatile int epoch;
        volatile boolean stopped;
        volatile Thread caller;
        volatile boolean callerParked;
        volatile Throwable failure;

        Pool(int threads) {
            this.threads = threads;
            workers = new Worker[threads - 1];
            for (int i = 0; i < workers.length; i++) {
                workers[i] = new Worker(this, i + 1);
                workers[i].start();
            }
        }

        /** Called with busy held; releases it. */
        void run(int n, Body b) {
            int e = epoch + 1;
            try {
                bodies[e & 1] = b;
                counts[e & 1] = n;
                failure = null;
                caller = Thread.currentThread();
                done.set(0);
                claim.set((long) e << 32);
                epoch = e;                                      // volatile write publishes the slot
                for (Worker w : workers) if (w.parked) LockSupport.unpark(w);
                work(0, e, b, n);
                awaitDone(n);
                Throwable f = failure;
                if (f != null) {
                    if (f instanceof RuntimeException re) throw re;
                    if (f instanceof Error err) throw err;
                    throw new RuntimeException(f);
                }
            } finally {
                bodies[e & 1] = null;
                caller = null;
                busy.set(false);
            }
        }

        /** Claims and runs tasks of region e until none is left (or the region is over). */
        void work(int worker, int e, Body b, int n) {
            while (true) {
                long v = claim.get();
                if ((int) (v >>> 32) != e || (int) v >= n) return;
                if (!claim.compareAndSet(v, v + 1)) continue;
                try {
                    b.run((int) v, worker);
                } catch (Throwable ex) {
                    if (failure == null) failure = ex;
                }
                if (done.incrementAndGet() == n && callerParked) {
                    Thread c = caller;
                    if (c != null) LockSupport.unpark(c);
                }
            }
        }

        private void awaitDone(int n) {
            long start = System.nanoTime();
            int spins = 0;
            while (done.get() != n) {
                if (++spins < 64 || System.nanoTime() - start < SPIN_NANOS) { Thread.onSpinWait(); continue; }
                callerParked = true;
                if (done.get() != n) LockSupport.parkNanos(this, 200_000);
                callerParked = false;
            }
        }

        void shutdown() {
            stopped = true;
            epoch = epoch + 1;
            for (Worker w : workers) LockSupport.unpark(w);
        }
    }

    private static final class Worker extends Thread {
        final Pool pool;
        final int index;
        volatile boolean parked;

        Worker(Pool pool, int index) {
            super("jgpt-kernel-" + index);
            this.pool = pool;
            this.index = index;
            setDaemon(true);
        }

        @Override public void run() {
            // Epoch 0 is the pool's state at construction: reading pool.epoch here instead could miss a
            // region that started before this thread ran (harmless now, but it would sleep through it).
            int seen = 0;
            while (true) {
                long start = System.nanoTime();
                int spins = 0, e;
                while ((e = pool.epoch) == seen) {
                    if (++spins < 64 || System.nanoTime() - start < SPIN_NANOS) { Thread.onSpinWait(); continue; }
                    parked = true;
                    if (pool.epoch == seen) LockSupport.park(this);
                    parked = false;
                }
                seen = e;
                if (pool.stopped) return;
                pool.work(index, e, pool.bodies[e & 1], pool.counts[e & 1]);
            }
        }
    }
}
