package org.speclab.engine;

/**
 * What an engine on a separate device (a GPU) can say about it beyond the {@link Transformer}
 * contract: the figures the CLI and the lab show next to tokens/s. A CPU engine has none.
 */
public interface DeviceGauges {
    /** {free, total} bytes of device memory. */
    long[] memoryInfo();

    /** The device's own copy rate: the ceiling its decode is judged against. */
    double copyBandwidthGBs();

    /** The last decode step's time on the device (its own clock), milliseconds. */
    float lastStepMillis();

    /** Which path prompts take, in one line (e.g. through cuBLAS or the matrix kernels). */
    String longPromptPath();

    /** Which path decode steps take, in one line (e.g. a recorded graph). */
    String decodePath();
}
