package org.speclab.cli;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.util.concurrent.Callable;
import org.speclab.engine.Backend;
import org.speclab.engine.Transformer;
import org.speclab.format.ModelFiles;
import org.speclab.model.ModelFile;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/**
 * {@code speclab logits}: the logits of every position of one forward pass over the given token ids,
 * written as positions × vocabulary float32 little-endian (row p: the logits for the token after
 * position p), the layout llama.cpp's reference logits use, so that anyone can hold SpecLab against
 * another engine.
 */
@Command(name = "logits", mixinStandardHelpOptions = true, sortOptions = false,
        description = "Write the logits of every position of one forward pass (positions × vocabulary, float32 little-endian).")
final class LogitsCommand implements Callable<Integer> {
    @picocli.CommandLine.ParentCommand
    Cli cli;

    @picocli.CommandLine.Mixin
    EngineOptions.Model model;

    @Option(names = "--ids", required = true, split = ",", description = "token ids, comma-separated, e.g. 1,403,407")
    int[] ids;

    @Option(names = {"-o", "--output"}, required = true, description = "output file (written whole or not at all)")
    Path output;

    @Option(names = {"-c", "--context"}, description = {"the context the key/value cache is made for (default: the number of ids);",
            "it picks Phi-3's long or short RoPE factors, as llama.cpp's -c does"})
    Integer context;

    @picocli.CommandLine.Mixin
    EngineOptions.Threads threads;

    @picocli.CommandLine.Mixin
    EngineOptions.Cache cache;

    @picocli.CommandLine.Mixin
    EngineOptions.Device device;

    @Override
    public Integer call() throws IOException {
        Path model = this.model.path();
        int t = threads.count();
        Backend backend = device.backend(false, cli.err::println);
        try (ModelFile f = ModelFiles.open(model, null); Transformer tr = backend.load(f, t, cache.type)) {
            int vocab = tr.config().vocabSize();
            for (int i = 0; i < ids.length; i++) {
                if (ids[i] < 0 || ids[i] >= vocab) {
                    throw new IllegalArgumentException("--ids: id " + ids[i] + " (number " + (i + 1) + ") is outside " + model.getFileName()
                            + "'s vocabulary 0.." + (vocab - 1));
                }
            }
            if (context != null && context < ids.length) throw new IllegalArgumentException("-c " + context + " is smaller than the " + ids.length + " ids");
            float[][] logits = tr.forward(tr.newCache(context != null ? context : ids.length), ids, 0, ids.length);
            write(logits, vocab);
            cli.err.printf("Wrote the logits of %d positions × %d tokens (float32, little-endian) to %s%n", ids.length, vocab, output);
        }
        return 0;
    }

    private void write(float[][] logits, int vocab) throws IOException {
        Path dir = output.toAbsolutePath().getParent();
        Path tmp = Files.createTempFile(dir, "." + output.getFileName(), ".tmp");
        try (FileChannel ch = FileChannel.open(tmp, StandardOpenOption.WRITE)) {
            ByteBuffer row = ByteBuffer.allocate(4 * vocab).order(ByteOrder.LITTLE_ENDIAN);
            for (float[] l : logits) {
                row.clear();
                row.asFloatBuffer().put(l, 0, vocab);
                row.limit(4 * vocab);
                while (row.hasRemaining()) ch.write(row);
            }
        } catch (IOException | RuntimeException e) {
            Files.deleteIfExists(tmp);
            throw new IOException(output + ": cannot write the logits: " + e.getMessage(), e);
        }
        Files.move(tmp, output, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
    }
}
