package org.speclab.jobs;

import org.speclab.gguf.GgmlType;

/**
 * The type one tensor is written in, and why when it is not the type asked for.
 *
 * @param fallbackReason null when {@code type} is what the preset chose; otherwise a short reason
 *                       ("row length 172 is not a multiple of 256")
 */
public record TensorPlan(String name, long[] shape, GgmlType source, GgmlType type, String fallbackReason) {
    public boolean fellBack() {
        return fallbackReason != null;
    }
}
