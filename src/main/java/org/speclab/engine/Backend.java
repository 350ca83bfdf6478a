package org.speclab.engine;

import org.speclab.model.ModelFile;

/** A compute device that can run a model: the CPU, or a CUDA GPU. */
public interface Backend {
    String name();

    /** Loads {@code model}; weights stay where the file maps them when the device can read them there. */
    Transformer load(ModelFile model, int threads);
}
