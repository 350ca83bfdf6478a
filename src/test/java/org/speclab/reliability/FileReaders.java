package org.speclab.reliability;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import org.speclab.SharedFiles;
import org.speclab.format.ModelFiles;
import org.speclab.format.TokenizerFiles;
import org.speclab.gguf.ModelFormatException;
import org.speclab.model.ModelConfig;
import org.speclab.model.ModelFile;
import org.speclab.tokenizer.Tokenizers;

/**
 * Every reader of files users download, as the broken-file tests drive it: the real file each starts
 * from (in ../shared), the name a copy must have, and what reading one means (open, parse the model's
 * shape, build its tokenizer). A reader may refuse a file only with the project's one-line
 * {@link ModelFormatException}; {@link #check} says whether an outcome is allowed.
 */
enum FileReaders {
    GGUF("gguf", "reference/arch/llama-Q4_K_M.gguf", "m.gguf"),
    LLAMA2C_CHECKPOINT("llama2c-checkpoint", "models/stories260K/stories260K.bin", "m.bin"),
    LLAMA2C_TOKENIZER("llama2c-tokenizer", "models/stories260K/tok512.bin", "tok.bin"),
    SENTENCEPIECE("sentencepiece", "models/stories260K/tok512.model", "tokenizer.model"),
    TOKENIZER_JSON("tokenizer-json", "models/hf-real/tiny_tokenizer.json", "tokenizer.json"),
    SAFETENSORS("safetensors", "models/hf-real/qwen3-tiny/model.safetensors", "model.safetensors"),
    HF_CONFIG("hf-config", "models/hf-real/qwen3-tiny/config.json", "config.json");

    final String id, seed, fileName;

    FileReaders(String id, String seed, String fileName) {
        this.id = id;
        this.seed = seed;
        this.fileName = fileName;
    }

    static FileReaders byId(String id) {
        for (FileReaders r : values()) if (r.id.equals(id)) return r;
        throw new IllegalArgumentException("no reader '" + id + "'");
    }

    Path seedFile() {
        return SharedFiles.require(seed);
    }

    /**
     * Where a broken copy goes under {@code dir}: a Hugging Face folder's safetensors and config.json
     * each need the other, real, beside them.
     */
    Path target(Path dir) {
        try {
            if (this != SAFETENSORS && this != HF_CONFIG) return dir.resolve(fileName);
            Path hf = Files.createDirectories(dir.resolve("hf"));
            String other = this == SAFETENSORS ? "config.json" : "model.safetensors";
            if (!Files.exists(hf.resolve(other))) Files.copy(seedFile().resolveSibling(other), hf.resolve(other));
            return hf.resolve(fileName);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** Reads the file at {@code p} as this reader's users do. */
    void read(Path p) {
        switch (this) {
            case GGUF -> {
                try (ModelFile f = ModelFiles.open(p, null)) {
                    ModelConfig.from(f);
                    Tokenizers.fromMetadata(p, f.metadata());
                }
            }
            case LLAMA2C_CHECKPOINT -> {
                try (ModelFile f = ModelFiles.open(p, SharedFiles.require("models/stories260K/tok512.bin"))) {
                    ModelConfig.from(f);
                }
            }
            case SAFETENSORS, HF_CONFIG -> {
                try (ModelFile f = ModelFiles.open(p.getParent(), null)) {
                    ModelConfig.from(f);
                }
            }
            default -> Tokenizers.fromMetadata(p, TokenizerFiles.read(p, -1));
        }
    }

    /**
     * Reads the file and returns normally when the outcome is allowed: a clean read, or a one-line
     * format error. Anything else (another exception, an error, a message over several lines) is thrown.
     */
    void check(Path p) {
        try {
            read(p);
        } catch (ModelFormatException e) {
            if (e.getMessage() == null || e.getMessage().contains("\n")) throw new AssertionError(id + ": not one line: " + e.getMessage(), e);
        }
    }
}
