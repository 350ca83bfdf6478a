package org.speclab.tokenizer;

import java.nio.file.Path;
import java.util.Map;
import org.speclab.gguf.GgufValue;
import org.speclab.gguf.ModelFormatException;

/** Picks the tokenizer a vocabulary names in {@code tokenizer.ggml.model}. */
public final class Tokenizers {
    private Tokenizers() {}

    public static Tokenizer fromMetadata(Path file, Map<String, GgufValue> metadata) {
        Vocabulary v = Vocabulary.from(file, metadata);
        return switch (v.model()) {
            case "llama" -> new SentencePieceTokenizer(v);
            default -> throw new ModelFormatException(file, "tokenizer.ggml.model",
                    "tokenizer model '" + v.model() + "' is not supported yet (supported: llama / SentencePiece-BPE)");
        };
    }
}
