package org.speclab.tokenizer;

/**
 * What every tokenizer over a {@link Vocabulary} shares: the pieces, the bytes each prints as,
 * the special ids and the end-of-generation set. Subclasses decide how text becomes tokens.
 */
abstract sealed class VocabularyTokenizer implements Tokenizer permits SentencePieceTokenizer, ByteLevelBpeTokenizer {
    final Vocabulary vocab;
    /** The raw bytes of each token when printed; filled by the subclass's constructor. */
    final byte[][] pieceBytes;
    final EndOfGeneration eog;
    final SpecialTokens specials;

    VocabularyTokenizer(Vocabulary vocab) {
        this.vocab = vocab;
        this.pieceBytes = new byte[vocab.size()][];
        this.eog = new EndOfGeneration(vocab);
        this.specials = new SpecialTokens(vocab);
    }

    @Override
    public byte[] pieceBytes(int token) { return pieceBytes[token]; }

    @Override
    public String piece(int token) { return vocab.tokens()[token]; }

    @Override
    public int vocabSize() { return vocab.size(); }

    @Override
    public int bos() { return vocab.bos(); }

    @Override
    public int eos() { return vocab.eos(); }

    @Override
    public boolean addBosByDefault() { return vocab.addBos(); }

    @Override
    public boolean isEndOfGeneration(int token) { return eog.test(token); }
}
