package org.speclab.gguf;

import java.io.IOException;
import java.nio.file.DirectoryStream;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;

/**
 * One writer per output file, across jobs and processes: a lock file {@code .NAME.lock} beside the
 * output holds the writer's process id. A second writer is refused while that process lives; a lock
 * whose process is gone (killed mid-write) is stale and taken over, and the temporary files that
 * process left ({@code .NAME.*.part}) are removed then.
 */
public final class OutputLock implements AutoCloseable {
    private final Path lock;

    private OutputLock(Path lock) { this.lock = lock; }

    public static OutputLock acquire(Path output) throws IOException {
        Path abs = output.toAbsolutePath();
        Path lock = abs.resolveSibling("." + abs.getFileName() + ".lock");
        for (int attempt = 0; attempt < 3; attempt++) {
            try {
                Files.writeString(lock, Long.toString(ProcessHandle.current().pid()), StandardOpenOption.CREATE_NEW, StandardOpenOption.WRITE);
                removeStaleParts(abs);
                return new OutputLock(lock);
            } catch (FileAlreadyExistsException e) {
                long pid = owner(lock);
                if (pid > 0 && ProcessHandle.of(pid).map(ProcessHandle::isAlive).orElse(false)) {
                    throw new IOException("another job is writing this file (process " + pid
                            + (pid == ProcessHandle.current().pid() ? ", this one" : "") + "); wait for it to end or choose another output");
                }
                Files.deleteIfExists(lock); // its writer is gone: stale
            }
        }
        throw new IOException("cannot take the lock " + lock.getFileName() + " for writing");
    }

    private static long owner(Path lock) {
        try {
            return Long.parseLong(Files.readString(lock).strip());
        } catch (IOException | NumberFormatException e) {
            return -1; // unreadable or half-written: treated as stale
        }
    }

    /** Temporary files of earlier writes of this output whose writers are gone (we hold the lock now). */
    private static void removeStaleParts(Path output) throws IOException {
        String prefix = "." + output.getFileName() + ".";
        try (DirectoryStream<Path> parts = Files.newDirectoryStream(output.getParent(), p -> {
            String n = p.getFileName().toString();
            return n.startsWith(prefix) && n.endsWith(".part");
        })) {
            for (Path p : parts) Files.deleteIfExists(p);
        }
    }

    @Override
    public void close() throws IOException {
        Files.deleteIfExists(lock);
    }
}
