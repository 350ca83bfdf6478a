package org.speclab.decode;

/** Where an emitted token came from; the lab colours each kind differently. */
public enum TokenKind {
    /** Part of the prompt, echoed. */
    PROMPT,
    /** Proposed by the drafter and accepted by the target. */
    ACCEPTED_DRAFT,
    /** Produced by the target itself (autoregressive, or the correction after a rejection). */
    TARGET,
    /** The extra token the target gives when every draft token was accepted. */
    BONUS
}
