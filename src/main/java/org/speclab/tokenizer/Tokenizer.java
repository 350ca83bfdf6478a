package org.speclab.tokenizer;

/** Text to token ids and back, with the model's special tokens. */
public interface Tokenizer {
    /**
     * Encodes text. With {@code parseSpecial}, control-token text such as {@code <s>} becomes that
     * token (as llama.cpp and Hugging Face do for prompts); user-defined tokens always match.
     * BOS goes first when {@code addBos}.
     */
    int[] encode(String text, boolean addBos, boolean parseSpecial);

    /** Prompt encoding: BOS when asked, special-token text parsed. */
    default int[] encode(String text, boolean addBos) {
        return encode(text, addBos, true);
    }

    /**
     * A prompt as llama.cpp tokenizes one: BOS first when the model wants it ({@link #addBosByDefault()}),
     * special-token text parsed; an empty prompt is BOS alone.
     */
    default int[] encodePrompt(String text) {
        int[] ids = encode(text, addBosByDefault(), true);
        return ids.length == 0 && bos() >= 0 ? new int[] {bos()} : ids;
    }

    /** Plain text: no BOS, special-token text taken literally (llama.cpp's test-vector setting). */
    default int[] encodeOrdinary(String text) {
        return encode(text, false, false);
    }

    /** The raw bytes a token stands for when printed (empty for control tokens). */
    byte[] pieceBytes(int token);

    /** The vocabulary entry as stored, e.g. {@code ▁time}, {@code Ġtime} or {@code <0x0A>}. */
    String piece(int token);

    int vocabSize();

    /** BOS id, or -1 when the vocabulary has none. */
    int bos();

    int eos();

    /** Whether the model wants BOS in front of a prompt (tokenizer.ggml.add_bos_token). */
    boolean addBosByDefault();

    /** Whether encoding puts a space in front of the text (SentencePiece's dummy prefix). */
    default boolean addsDummyPrefix() {
        return false;
    }

    /** True for tokens that end a generation (EOS, and end-of-turn tokens such as {@code <|eot_id|>}). */
    default boolean isEndOfGeneration(int token) {
        return token == eos();
    }
}
