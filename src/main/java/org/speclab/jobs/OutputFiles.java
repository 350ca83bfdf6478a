package org.speclab.jobs;

import java.io.IOException;
import java.nio.file.FileStore;
import java.nio.file.Files;
import java.nio.file.Path;

/** Checks made before a job writes anything: inputs are never overwritten and the disk must have room. */
public final class OutputFiles {
    /** Room kept free beyond the output itself. */
    static final long MARGIN = 16L << 20;

    private OutputFiles() {}

    public static void checkWritable(Path output, boolean overwrite, Path... inputs) {
        Path out = output.toAbsolutePath().normalize();
        for (Path in : inputs) {
            if (in == null) continue;
            try {
                if (Files.exists(in) && Files.exists(out) && Files.isSameFile(in, out)) {
                    throw new JobFailedException(output + ": is the input; write the output to another file");
                }
            } catch (IOException e) {
                throw new JobFailedException(output + ": " + e.getMessage());
            }
            if (in.toAbsolutePath().normalize().equals(out)) throw new JobFailedException(output + ": is the input; write the output to another file");
        }
        if (Files.isDirectory(out)) throw new JobFailedException(output + ": is a folder; name the output file");
        if (Files.exists(out) && !overwrite) throw new JobFailedException(output + ": already exists (pass --force to replace it)");
        Path dir = out.getParent();
        if (dir == null || !Files.isDirectory(dir)) throw new JobFailedException(output + ": the folder " + dir + " does not exist");
        if (!Files.isWritable(dir)) throw new JobFailedException(output + ": the folder " + dir + " is not writable");
    }

    /** Fails before writing when the output's folder has less than {@code bytes} (plus a margin) free. */
    public static void checkFreeSpace(Path output, long bytes) {
        Path dir = output.toAbsolutePath().normalize().getParent();
        try {
            FileStore store = Files.getFileStore(dir);
            long free = store.getUsableSpace();
            if (free < bytes + MARGIN) {
                throw new JobFailedException(String.format("%s: not enough disk space: the output needs %.1f MB, %.1f MB are free in %s",
                        output, bytes / 1e6, free / 1e6, dir));
            }
        } catch (IOException e) {
            // cannot tell: let the write itself report a full disk
        }
    }
}
