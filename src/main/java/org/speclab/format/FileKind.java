package org.speclab.format;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;

/**
 * What a file or folder is, decided once from its first bytes (and, for vocabularies, its name):
 * the one place SpecLab tells formats apart, for the library, the CLI, the Run view and the jobs.
 * A vocabulary's kind is the first reader to try; {@link TokenizerFiles#read} still falls back to
 * the other binary reader before refusing, since a llama2.c tokenizer can start with the byte a
 * SentencePiece protobuf starts with.
 */
public enum FileKind {
    GGUF("gguf", true),
    LLAMA2C_CHECKPOINT("llama2c", true),
    HUGGING_FACE_FOLDER("huggingface", true),
    TOKENIZER_JSON("tokenizer.json", false),
    GPT2_BPE("encoder.json + vocab.bpe", false),
    SENTENCEPIECE("sentencepiece", false),
    LLAMA2C_TOKENIZER("llama2c tokenizer", false),
    UNKNOWN("unknown", false);

    /** The format's name as the library and messages show it. */
    public final String label;
    /** Whether it holds weights (a model SpecLab can open), rather than a vocabulary alone. */
    public final boolean model;

    FileKind(String label, boolean model) {
        this.label = label;
        this.model = model;
    }

    /** The kind of {@code path}; UNKNOWN where it is missing, unreadable or none of these. */
    public static FileKind of(Path path) {
        if (Files.isDirectory(path)) return Files.isRegularFile(path.resolve("config.json")) ? HUGGING_FACE_FOLDER : UNKNOWN;
        ByteBuffer head = ByteBuffer.allocate(40).order(ByteOrder.LITTLE_ENDIAN);
        try (FileChannel ch = FileChannel.open(path, StandardOpenOption.READ)) {
            while (head.hasRemaining() && ch.read(head, head.position()) > 0) { /* the first 40 bytes, or the file */ }
        } catch (IOException | RuntimeException e) {
            return UNKNOWN;
        }
        head.flip();
        return of(path.getFileName() == null ? "" : path.getFileName().toString(), head);
    }

    /** The kind of a file called {@code name} whose first bytes are {@code head} (little-endian, at most 40). */
    static FileKind of(String name, ByteBuffer head) {
        int n = head.remaining();
        if (n >= 4 && head.get(0) == 'G' && head.get(1) == 'G' && head.get(2) == 'U' && head.get(3) == 'F') return GGUF;
        if (name.equals("encoder.json") || name.equals("vocab.bpe")) return GPT2_BPE;
        if (name.endsWith(".json")) return TOKENIZER_JSON;
        if (Llama2cCheckpoint.looksLike(head.duplicate().order(ByteOrder.LITTLE_ENDIAN))) return LLAMA2C_CHECKPOINT;
        if (n == 0) return UNKNOWN;
        if (name.endsWith(".model") || (!name.endsWith(".bin") && head.get(0) == 0x0a)) return SENTENCEPIECE;
        // llama2.c's tokenizer: int32 max_token_length, then per piece float score, int32 length, bytes
        if (n >= 12) {
            int maxLen = head.getInt(0), firstLen = head.getInt(8);
            if (maxLen > 0 && maxLen <= 1 << 16 && firstLen >= 0 && firstLen <= maxLen) return LLAMA2C_TOKENIZER;
        }
        return head.get(0) == 0x0a ? SENTENCEPIECE : UNKNOWN;
    }
}
