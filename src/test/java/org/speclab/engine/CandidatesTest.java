package org.speclab.engine;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import org.junit.jupiter.api.Test;

class CandidatesTest {
    @Test
    void keepsEverythingNotBelowTheKthLargestInIdOrderTiesIncluded() {
        float[] logits = {0.5f, 2f, -1f, 2f, 1f, 1f, 3f};
        Candidates c = Candidates.of(logits, 2f, 3); // scaled: .25 1 -.5 1 .5 .5 1.5; third largest is 1, tied
        assertArrayEquals(new int[] {1, 3, 6}, c.ids());
        assertArrayEquals(new float[] {1f, 1f, 1.5f}, c.scaled());
        assertArrayEquals(new int[] {1, 3, 4, 5, 6}, Candidates.of(logits, 2f, 4).ids()); // 0.5 tied twice: five for k = 4
        assertArrayEquals(new int[] {0, 1, 2, 3, 4, 5, 6}, Candidates.of(logits, 1f, 7).ids());
        assertThrows(IllegalArgumentException.class, () -> Candidates.of(logits, 1f, 0));
        assertThrows(IllegalArgumentException.class, () -> Candidates.of(logits, 1f, 8));
    }
}
