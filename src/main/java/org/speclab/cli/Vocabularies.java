package org.speclab.cli;

import java.nio.file.Path;
import org.speclab.tokenizer.Tokenizer;

/** A draft and its target must share a vocabulary: the draft's token ids are the target's. */
final class Vocabularies {
    private Vocabularies() {}

    static void requireSame(Path target, Tokenizer t, Path draft, Tokenizer d) {
        if (t.vocabSize() != d.vocabSize()) {
            throw new IllegalArgumentException("draft " + draft.getFileName() + " and target " + target.getFileName()
                    + " do not share a vocabulary (" + d.vocabSize() + " vs " + t.vocabSize() + " tokens)");
        }
        for (int i = 0; i < t.vocabSize(); i++) {
            if (!t.piece(i).equals(d.piece(i))) {
                throw new IllegalArgumentException("draft " + draft.getFileName() + " and target " + target.getFileName()
                        + " do not share a vocabulary (token " + i + " is '" + d.piece(i) + "' in the draft, '" + t.piece(i) + "' in the target)");
            }
        }
    }
}
