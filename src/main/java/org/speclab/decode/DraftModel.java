package org.speclab.decode;

import org.speclab.engine.Transformer;

/** A separate, smaller model of the same vocabulary (the seed's setup: a 7B draft for a 70B target). */
public final class DraftModel extends ModelDrafter {
    private final String name;

    public DraftModel(Transformer draft, String name, int capacity) {
        super(draft, capacity);
        this.name = name;
    }

    @Override
    public String describe() { return "draft model " + name; }
}
