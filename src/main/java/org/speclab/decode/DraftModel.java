package org.speclab.decode;

import org.speclab.engine.Transformer;

/** A separate, smaller model of the same vocabulary (the seed's setup: a 7B draft for a 70B target). */
public final class DraftModel implements Drafter {
    private final ModelDrafter drafter;
    private final String name;
    public DraftModel(Transformer draft, String name, int capacity) {
        this.drafter = new ModelDrafter(draft, capacity);
        this.name = name;
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
    public String describe() { return "draft model " + name; }

    @Override
    public void close() { drafter.model().close(); }
}
