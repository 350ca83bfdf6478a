package org.speclab.gguf;

import java.util.Arrays;

/**
 * A tensor as GGUF describes it. {@code shape[0]} is the innermost (contiguous) dimension, as in
 * ggml: a weight matrix of {@code rows × cols} has shape {@code [cols, rows]}. {@code offset} is
 * relative to the start of the tensor data section.
 */
public record TensorInfo(String name, long[] shape, GgmlType type, long offset) {

    public long elementCount() {
        long n = 1;
        for (long d : shape) n *= d;
        return n;
    }

    public long byteSize() {
        return type.byteSize(elementCount());
    }

    /** Rows of a 2-D weight, i.e. every dimension but the innermost. */
    public long rows() {
        return elementCount() / shape[0];
    }

    public long cols() {
        return shape[0];
    }

    @Override
    public String toString() {
        return name + " " + type + " " + Arrays.toString(shape);
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof TensorInfo t && t.name.equals(name) && Arrays.equals(t.shape, shape)
                && t.type == type && t.offset == offset;
    }

    @Override
    public int hashCode() {
        return name.hashCode() * 31 + Arrays.hashCode(shape);
    }
}
