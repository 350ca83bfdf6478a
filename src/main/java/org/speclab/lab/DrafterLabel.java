package org.speclab.lab;

import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * What drafted a run, read back from an experiment's draft_model: a draft model's file (recorded by
 * its name), n-gram lookup of n tokens, or the target's first layers (early exit). The record keeps
 * the drafter's own description ("n-gram lookup (n ≤ 3)", "early exit after 3 layers") or, for a
 * sweep's cell that did not fit, the sweep's ("n-gram 3"); the view names each in the user's language.
 */
public sealed interface DrafterLabel {
    /** A draft model; {@code file} as recorded (the file name, or its stem), {@code weights} null when not recorded. */
    record DraftFile(String file, String weights) implements DrafterLabel {}

    record NGram(int n) implements DrafterLabel {}

    /** {@code layers} null: half the target's layers (a sweep's default, recorded before it knew the target). */
    record EarlyExit(Integer layers) implements DrafterLabel {}

    Pattern NGRAM = Pattern.compile("n-gram(?: lookup \\(n ≤ | )(\\d+)\\)?");
    Pattern LAYERS = Pattern.compile("early exit (?:after )?(\\d+) layers?");

    /** Null for a run of the target alone. */
    public static DrafterLabel of(Experiment e) {
        return parse(e.draftModel(), e.draftQuantization());
    }

    /**
     * A drafter as any layer writes it: a record's label ("draft.gguf", "n-gram 3", "early exit 3
     * layers") or {@link org.speclab.decode.Drafter#describe()} ("draft model draft.gguf", "n-gram
     * lookup (n ≤ 3)", "early exit after 3 layers"); anything else is taken for a draft model's name.
     * Null for null (no drafter).
     */
    public static DrafterLabel parse(String d, String weights) {
        if (d == null) return null;
        Matcher m = NGRAM.matcher(d);
        if (m.matches()) return new NGram(Integer.parseInt(m.group(1)));
        m = LAYERS.matcher(d);
        if (m.matches()) return new EarlyExit(Integer.valueOf(m.group(1)));
        if (d.equals("early exit after half the layers") || d.equals("early exit half the layers")) return new EarlyExit(null);
        if (d.startsWith("draft model ")) d = d.substring("draft model ".length());
        return new DraftFile(d, weights);
    }
}
