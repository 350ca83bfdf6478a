package org.speclab.decode;

import org.speclab.engine.Transformer;

/** Self-speculation: the target's own first L layers, then its final norm and classifier. */
public final class EarlyExit extends ModelDrafter {
    private final int layers;

    public EarlyExit(Transformer target, int layers, int capacity) {
        super(target.earlyExit(layers), capacity);
        this.layers = layers;
    }

    @Override
    public String describe() { return "early exit after " + layers + " layers"; }
}
