package org.speclab.model;

import java.lang.foreign.MemorySegment;
import org.speclab.gguf.GgmlType;
import org.speclab.gguf.TensorInfo;

/** A named tensor and its bytes (a view into a mapped file). */
public record Tensor(TensorInfo info, MemorySegment data) {
    public String name() { return info.name(); }

    public GgmlType type() { return info.type(); }

    public long[] shape() { return info.shape(); }
}
