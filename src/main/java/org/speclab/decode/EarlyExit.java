package org.speclab.decode;

import org.speclab.engine.Transformer;

/** Self-speculation: the target's own first L layers, then its final norm and classifier. */
public final class EarlyExit implements Drafter {
    private final ModelDrafter drafter;
    private final int layers;

    public EarlyExit(Transformer target, int layers, int capacity) {
        this.drafter = new ModelDrafter(target.earlyExit(layers), capacity);
        this.layers = layers;
    }

    @Override
    public Proposal propose(int[] context, int length, int k, Sampler sampler) {
        return drafter.propose(context, length, k, sampler);
    }

    @Override
    public double secondsPerToken() { return drafter.secondsPerToken(); }

    @Override
    public long bytesRead() { return drafter.bytesRead(); }

    @Override
    public void close() { drafter.model().close(); }

    @Override
    public String describe() { return "early exit after " + layers + " layers"; }
}
