package jgpt.train;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.channels.FileLock;
import java.nio.channels.OverlappingFileLockException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import jgpt.UserError;

/**
 * RUNDIR/train.lock: one trainer per run directory. The operating system holds the lock (flock) for as long
 * as the process lives, so a lock left by a killed process is free again at once; the file's text is the
 * holder's pid, for the message that names it.
 */
public final class RunLock implements AutoCloseable {
    public static final String FILE = "train.lock";
    private final FileChannel ch;
    private final FileLock lock;

    private RunLock(FileChannel ch, FileLock lock) { this.ch = ch; this.lock = lock; }

    /** Takes the lock of run directory {@code run} (creating the directory), or fails naming the process that holds it. */
    public static RunLock acquire(Path run) {
        Path file = run.resolve(FILE);
        FileChannel ch = null;
        try {
            Files.createDirectories(run);
            ch = FileChannel.open(file, StandardOpenOption.CREATE, StandardOpenOption.READ, StandardOpenOption.WRITE);
            FileLock l;
            try {
                l = ch.tryLock();
            } catch (OverlappingFileLockException e) {
                l = null;                           // held by this very process
            }
            if (l == null) {
                String holder = holder(file);
                ch.close();
                throw new UserError(run + " is in use by another trainer (" + holder + "): wait for it to finish or stop it, or choose another run directory");
            }
            ch.truncate(0);
            ch.write(ByteBuffer.wrap((ProcessHandle.current().pid() + "\n").getBytes(StandardCharsets.UTF_8)), 0);
            ch.force(false);
            return new RunLock(ch, l);
        } catch (IOException e) {
            if (ch != null) try { ch.close(); } catch (IOException ignored) { /* nothing held */ }
            throw new UncheckedIOException("cannot lock " + file + ": " + e.getMessage(), e);
        }
    }

    /** "process 1234 (java …)" from the lock file, as far as it can be told. */
    private static String holder(Path file) {
        String pid;
        try {
            pid = Files.readString(file, StandardCharsets.UTF_8).strip();
        } catch (IOException e) {
            return "pid unknown";
        }
        if (!pid.matches("\\d{1,19}")) return "pid unknown";
        long p = Long.parseLong(pid);
        String cmd = ProcessHandle.of(p).flatMap(h -> h.info().command()).orElse(null);
        return "process " + p + (p == ProcessHandle.current().pid() ? ", this one" : "") + (cmd != null ? ", " + cmd : "");
    }

    @Override public void close() {
        try {
            lock.release();
            ch.close();
        } catch (IOException ignored) {
            // the lock dies with the channel or the process anyway
        }
    }
}
