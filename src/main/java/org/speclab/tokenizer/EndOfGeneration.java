package org.speclab.tokenizer;

import java.util.BitSet;
import java.util.Set;

/**
 * The tokens that end a generation: EOS, the vocabulary's end-of-turn ids, and control tokens
 * that chat models use to end a turn, recognised by their text as llama.cpp does.
 */
final class EndOfGeneration {
    private static final Set<String> END_OF_TURN = Set.of("<|eot_id|>", "<|im_end|>", "<|end|>", "<end_of_turn>",
            "<|endoftext|>", "<EOT>", "<|eom_id|>", "<｜end▁of▁sentence｜>");
    private final BitSet ids = new BitSet();

    EndOfGeneration(Vocabulary v) {
        if (v.eos() >= 0) ids.set(v.eos());
        for (int id : v.extraEndIds()) ids.set(id);
        for (int i = 0; i < v.size(); i++) {
            if (v.types()[i] == Vocabulary.CONTROL && END_OF_TURN.contains(v.tokens()[i])) ids.set(i);
        }
    }

    boolean test(int token) {
        return token >= 0 && ids.get(token);
    }
}
