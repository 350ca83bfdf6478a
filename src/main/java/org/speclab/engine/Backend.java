package org.speclab.engine;

import org.speclab.model.ModelFile;

/** A compute device that can run a model: the CPU, or a CUDA GPU. */
public interface Backend {
    String name();

    /** Loads {@code model}; weights stay where the file maps them when the device can read them there. */
    Transformer load(ModelFile model, int threads);

    /**
     * {@link #load} with caches that hold keys and values as {@code cache} ({@link Transformer#newCache}); a device
     * that cannot says so in one line.
     */
    default Transformer load(ModelFile model, int threads, CacheType cache) {
        if (cache != CacheType.F32) throw new EngineException(name() + " keeps its KV cache in float32 only (asked for " + cache.label() + ")");
        return load(model, threads);
    }
}
