package jgpt.tensor;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTimeoutPreemptively;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.time.Duration;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicIntegerArray;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

class ParallelTest {
    @BeforeAll static void threads() { Parallel.setThreads(3); }
    @AfterAll static void restore() { Parallel.setThreads(Parallel.defaultThreads()); }

    @Test void everyTaskRunsExactlyOnceOnAValidWorker() {
        for (int n : new int[] {1, 2, 3, 7, 1000}) {
            AtomicIntegerArray hits = new AtomicIntegerArray(n);
            ConcurrentHashMap<Integer, Boolean> workers = new ConcurrentHashMap<>();
            for (int rep = 0; rep < 50; rep++) {
                Parallel.forEach(n, (t, w) -> { hits.incrementAndGet(t); workers.put(w, true); });
            }
            for (int t = 0; t < n; t++) assertEquals(50, hits.get(t), "task " + t + " of " + n);
            for (int w : workers.keySet()) assertTrue(w >= 0 && w < Parallel.threads(), "worker index " + w);
        }
    }

    @Test void rangesTileTheIndexSpace() {
        for (int n : new int[] {1, 5, 99_999}) {
            AtomicIntegerArray hits = new AtomicIntegerArray(n);
            Parallel.parallelFor(n, 7, (s, e, w) -> { for (int i = s; i < e; i++) hits.incrementAndGet(i); });
            for (int i = 0; i < n; i++) assertEquals(1, hits.get(i), "index " + i + " of " + n);
        }
    }

    @Test void nestedRegionRunsInlineOnTheCallingWorker() {
        AtomicIntegerArray inner = new AtomicIntegerArray(4 * 5);
        Parallel.forEach(4, (t, w) -> Parallel.forEach(5, (u, w2) -> {
            assertEquals(0, w2, "a nested region runs inline");
            inner.incrementAndGet(t * 5 + u);
        }));
        for (int i = 0; i < inner.length(); i++) assertEquals(1, inner.get(i));
    }

    @Test void exceptionsReachTheCaller() {
        IllegalStateException boom = new IllegalStateException("boom");
        IllegalStateException got = assertThrows(IllegalStateException.class,
                () -> Parallel.forEach(6, (t, w) -> { if (t == 4) throw boom; }));
        assertSame(boom, got);
        // and the pool is still usable afterwards
        AtomicIntegerArray hits = new AtomicIntegerArray(6);
        Parallel.forEach(6, (t, w) -> hits.incrementAndGet(t));
        for (int t = 0; t < 6; t++) assertEquals(1, hits.get(t));
    }

    @Test void aFreshPoolNeverMissesItsFirstRegion() {
        // regression: a worker that read the generation after the first region had begun slept forever
        assertTimeoutPreemptively(Duration.ofSeconds(20), () -> {
            try {
                for (int i = 0; i < 300; i++) {
                    Parallel.setThreads(2 + i % 2);
                    AtomicIntegerArray hits = new AtomicIntegerArray(8);
                    Parallel.forEach(8, (t, w) -> hits.incrementAndGet(t));
                    for (int t = 0; t < 8; t++) assertEquals(1, hits.get(t));
                }
            } finally {
                Parallel.setThreads(3);
            }
        });
    }

    @Test void threadCountIsSettable() {
        Parallel.setThreads(1);
        try {
            assertEquals(1, Parallel.threads());
            AtomicIntegerArray hits = new AtomicIntegerArray(3);
            Parallel.forEach(3, (t, w) -> { assertEquals(0, w); hits.incrementAndGet(t); });
            assertEquals(1, hits.get(2));
        } finally {
            Parallel.setThreads(3);
        }
        assertEquals(3, Parallel.threads());
        assertThrows(IllegalArgumentException.class, () -> Parallel.setThreads(0));
    }
}
