package org.speclab.reliability;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import org.speclab.TempDirs;

/**
 * The coverage-guided fuzz target (Jazzer, libFuzzer's engine) for one file reader, chosen by the
 * property {@code speclab.fuzz.reader} (gguf, llama2c-checkpoint, llama2c-tokenizer, sentencepiece,
 * tokenizer-json, safetensors, hf-config, gpt2-encoder, gpt2-merges, settings-json, experiments-json,
 * jobs-json): each input is written where the reader expects its file and read;
 * a clean read or a one-line format error is allowed, anything else is a finding. Run by
 * {@code bench/fuzz.sh READER RUNS}, and for a short fixed-seed burst per reader by {@link ReaderFuzzTest}.
 */
public final class ReaderFuzzTarget {
    private static FileReaders reader;
    private static Path file;

    private ReaderFuzzTarget() {}

    public static void fuzzerInitialize() {
        reader = FileReaders.byId(System.getProperty("speclab.fuzz.reader", "gguf"));
        try {
            Path dir = TempDirs.create("speclab-fuzz-" + reader.id);
            file = reader.target(dir);
            // read the real file once, so that loading (and instrumenting) the reader's classes is not
            // charged to the first input's time limit
            Files.copy(reader.seedFile(), file, java.nio.file.StandardCopyOption.REPLACE_EXISTING);
            reader.check(file);
            // bench/fuzz.sh starts in a folder with an empty "seeds": readers whose seed is made here put it there
            Path seeds = Path.of("seeds");
            if (Files.isDirectory(seeds) && Files.list(seeds).findAny().isEmpty()) Files.copy(reader.seedFile(), seeds.resolve(reader.fileName));
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    public static void fuzzerTestOneInput(byte[] data) throws IOException {
        Files.write(file, data);
        reader.check(file);
    }
}
