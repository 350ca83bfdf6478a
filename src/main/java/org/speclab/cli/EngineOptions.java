package org.speclab.cli;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.function.Consumer;
import org.speclab.engine.Backend;
import org.speclab.engine.CacheType;
import org.speclab.engine.cpu.CpuBackend;
import org.speclab.gguf.ModelFormatException;
import org.speclab.lab.DeviceChoice;
import picocli.CommandLine.ITypeConverter;
import picocli.CommandLine.Option;
import picocli.CommandLine.TypeConversionException;

/**
 * The options every command that runs a model shares, declared and checked once (picocli mixins):
 * a command names them with {@code @Mixin} and reads them through the methods that check them.
 */
final class EngineOptions {
    private EngineOptions() {}

    /** {@code -m/--model MODEL}: the model a command reads; read it through {@link #path()}. */
    static final class Model {
        @Option(names = {"-m", "--model"}, required = true, paramLabel = "MODEL",
                description = "the model: a GGUF file, a llama2.c checkpoint (.bin) or a Hugging Face folder")
        Path file;

        /** The model, refused in one line when it is not there (before anything is loaded or printed). */
        Path path() { return existing(file); }
    }

    /** {@code --tokenizer FILE}: a vocabulary to pair with a model; read it through {@link #path()}. */
    static final class TokenizerFile {
        @Option(names = "--tokenizer", paramLabel = "FILE", description = "vocabulary for a model that carries none, or in place of its own (llama2.c tokenizer .bin, "
                        + "SentencePiece .model, tokenizer.json): as many tokens as the model has embedding rows")
        Path file;

        /** The vocabulary file, or null when none was given; refused in one line when it is not there. */
        Path path() { return file == null ? null : existing(file); }
    }

    /** A file or folder the user named, or the one line that says it is not there (the readers' own words). */
    static Path existing(Path p) {
        if (!Files.exists(p)) throw new ModelFormatException(p, null, "file not found");
        return p;
    }

    /** {@code --threads N}: CPU threads, refused as the option is parsed where the machine cannot use them. */
    static final class Threads {
        @Option(names = "--threads", paramLabel = "N", converter = Count.class,
                description = "CPU threads, 1 to " + CpuBackend.THREADS_PER_CORE + " per core (default: one per core)")
        Integer threads;

        /** The thread count to run with. */
        int count() { return threads != null ? threads : CpuBackend.defaultThreads(); }

        /** Refuses what {@link CpuBackend#threadCountProblem} refuses: a parse error, exit 2, nothing loaded. */
        static final class Count implements ITypeConverter<Integer> {
            @Override
            public Integer convert(String s) {
                long n;
                try {
                    n = Long.parseLong(s.trim());
                } catch (NumberFormatException e) {
                    throw new TypeConversionException("must be a whole number of threads, found '" + s + "'");
                }
                String problem = CpuBackend.threadCountProblem(n);
                if (problem != null) throw new TypeConversionException(problem);
                return (int) n;
            }
        }
    }

    /** {@code --kv-cache f32|f16}: how the KV cache holds keys and values, refused as the option is parsed when it is neither. */
    static final class Cache {
        @Option(names = "--kv-cache", paramLabel = "TYPE", converter = Kind.class, defaultValue = "f32",
                description = "how the KV cache holds keys and values: f32 (exact to llama2.c) or f16 (half the memory and the bytes "
                        + "attention reads at long contexts, as llama.cpp's default; CPU only) (default: ${DEFAULT-VALUE})")
        CacheType type;

        static final class Kind implements ITypeConverter<CacheType> {
            @Override
            public CacheType convert(String s) {
                try {
                    return CacheType.parse(s);
                } catch (IllegalArgumentException e) {
                    throw new TypeConversionException(e.getMessage());
                }
            }
        }
    }

    /** {@code --device cpu|cuda[:N]}. */
    static final class Device {
        @Option(names = "--device", defaultValue = "cpu", description = "cpu or cuda[:N] (default: ${DEFAULT-VALUE})")
        String device;

        /**
         * The backend for {@code --device}; where CUDA is asked for but missing, {@code fallback} runs on
         * the CPU after one line to {@code warn} (generation), otherwise it is an error (measurements).
         */
        Backend backend(boolean fallback, Consumer<String> warn) { return DeviceChoice.choose(device, fallback, warn); }
    }
}
