package org.speclab.tokenizer;

/** Text to token ids and back, with the model's special tokens. */
public interface Tokenizer {
    /** Encodes text; special-token text such as {@code <s>} becomes that token. BOS first when {@code addBos}. */
    int[] encode(String text, boolean addBos);

    /** The raw bytes a token stands for when printed (empty for control tokens). */
    byte[] pieceBytes(int token);

    /** The vocabulary entry as stored, e.g. {@code ▁time} or {@code <0x0A>}. */
    String piece(int token);

    int vocabSize();

    int bos();

    int eos();

    /** Whether the model wants BOS in front of a prompt (tokenizer.ggml.add_bos_token). */
    boolean addBosByDefault();

    /** True for tokens that end a generation (EOS and other end-of-generation controls). */
    default boolean isEndOfGeneration(int token) {
        return token == eos();
    }
}
