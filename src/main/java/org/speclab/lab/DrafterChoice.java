package org.speclab.lab;

import java.nio.file.Path;
import org.speclab.decode.DraftModel;
import org.speclab.decode.Drafter;
import org.speclab.decode.EarlyExit;
import org.speclab.decode.NGramLookup;
import org.speclab.engine.Transformer;

/**
 * What proposes the draft tokens, as the user chose it: a draft model file, n-gram lookup or the
 * target's own first layers. The CLI's flags, the Run view's picker and a sweep's grid all say it
 * this way, and {@link #build} is the one place a {@link Drafter} is made from it.
 */
public sealed interface DrafterChoice {
    /** A separately trained (or early-exit GGUF) draft model with the target's vocabulary. */
    record DraftFile(Path file) implements DrafterChoice {
        @Override
        public String label() { return file.getFileName().toString(); }
    }

    /** Draft-free: the last up to {@code n} tokens looked up in prompt and output. */
    record NGram(int n) implements DrafterChoice {
        public NGram {
            if (n < 1) throw new IllegalArgumentException("n-gram lookup needs n ≥ 1, found " + n);
        }

        @Override
        public String label() { return "n-gram " + n; }
    }

    /** The target cut after its first {@code layers} layers; 0: half the target's layers, rounded up. */
    record EarlyExitLayers(int layers) implements DrafterChoice {
        public EarlyExitLayers {
            if (layers < 0) throw new IllegalArgumentException("early exit needs a layer count ≥ 1 (0: half the layers), found " + layers);
        }

        @Override
        public String label() { return layers > 0 ? "early exit " + layers + " layers" : "early exit half the layers"; }

        /** The layer count for a target of {@code targetLayers} layers; one line when it cannot be a draft. */
        public int layersOf(int targetLayers) {
            int l = layers > 0 ? layers : (targetLayers + 1) / 2;
            if (l >= targetLayers) {
                throw new IllegalArgumentException("early exit after " + l + " layers needs a target with more layers; it has " + targetLayers);
            }
            return l;
        }
    }

    /** How experiment records and tables name this drafter: the draft's file name ("draft.gguf"), "n-gram 3", "early exit 3 layers". */
    String label();

    /** {@link #label()} with an early exit's layer count resolved for {@code target} ("early exit 3 layers", not "half"). */
    default String labelFor(Transformer target) {
        return this instanceof EarlyExitLayers e ? new EarlyExitLayers(e.layersOf(target.config().layers())).label() : label();
    }

    /**
     * The drafter for {@code target} ({@code draft}: the loaded {@link DraftFile}, else null), with
     * room for {@code positions} positions.
     */
    default Drafter build(Transformer target, Transformer draft, int positions) {
        return switch (this) {
            case DraftFile f -> {
                if (draft == null) throw new IllegalStateException("draft " + f.file() + " is not loaded");
                yield new DraftModel(draft, f.file().getFileName().toString(), positions);
            }
            case NGram g -> new NGramLookup(g.n());
            case EarlyExitLayers e -> new EarlyExit(target, e.layersOf(target.config().layers()), positions);
        };
    }

    /** The draft file to load, or null for drafters that need none. */
    default Path file() {
        return this instanceof DraftFile f ? f.file() : null;
    }
}
