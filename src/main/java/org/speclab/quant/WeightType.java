package org.speclab.quant;

import java.util.Arrays;
import java.util.List;
import java.util.function.Predicate;
import java.util.stream.Collectors;
import org.speclab.gguf.GgmlType;

/**
 * The weight types SpecLab reads, one row each: the block layout (from {@link GgmlType}), the
 * codec, llama.cpp's file-type number, what quantize writes for rows too short for the type's
 * blocks, and the CUDA kernels that multiply it. Every list of supported types in messages, help
 * and the UI is made from these rows; each engine keeps only the choice of its own kernel class.
 * Rows are in GgmlType's (id) order, the order the lists print in.
 */
public enum WeightType {
    //   layout         codec                          file type  short rows     CUDA kernel, unit
    F32(GgmlType.F32, F32Codec.INSTANCE, 0, null, "f32", 4),
    F16(GgmlType.F16, F16Codec.INSTANCE, 1, null, "f16", 4),
    Q4_0(GgmlType.Q4_0, Q4_0Codec.INSTANCE, 2, null, "q4_0", 32),
    Q4_1(GgmlType.Q4_1, Q4_1Codec.INSTANCE, 3, null, "q4_1", 32),
    Q5_0(GgmlType.Q5_0, Q5_0Codec.INSTANCE, 8, null, "q5_0", 32),
    Q5_1(GgmlType.Q5_1, Q5_1Codec.INSTANCE, 9, null, "q5_1", 32),
    Q8_0(GgmlType.Q8_0, Q8_0Codec.INSTANCE, 7, null, "q8_0", 32),
    // llama.cpp writes IQ4_NL for Q2_K and Q3_K rows; SpecLab does not write IQ4_NL, and Q4_0 has its size
    Q2_K(GgmlType.Q2_K, ReadOnlyCodecs.Q2_K.INSTANCE, 10, GgmlType.Q4_0, "q2_k", 16),
    // single K types take the file-type number of llama.cpp's nearest mix (MOSTLY_Q3_K_S, _Q4_K_S, _Q5_K_S)
    Q3_K(GgmlType.Q3_K, ReadOnlyCodecs.Q3_K.INSTANCE, 11, GgmlType.Q4_0, "q3_k", 16),
    Q4_K(GgmlType.Q4_K, Q4_KCodec.INSTANCE, 14, GgmlType.Q5_0, "q4_k", 32),
    Q5_K(GgmlType.Q5_K, Q5_KCodec.INSTANCE, 16, GgmlType.Q5_1, "q5_k", 32),
    Q6_K(GgmlType.Q6_K, Q6_KCodec.INSTANCE, 18, GgmlType.Q8_0, "q6_k", 16),
    IQ4_NL(GgmlType.IQ4_NL, ReadOnlyCodecs.IQ4_NL.INSTANCE, 25, null, "iq4_nl", 32),
    IQ4_XS(GgmlType.IQ4_XS, ReadOnlyCodecs.IQ4_XS.INSTANCE, 30, GgmlType.IQ4_NL, "iq4_xs", 32),
    BF16(GgmlType.BF16, BF16Codec.INSTANCE, 32, null, "bf16", 4);

    private static final WeightType[] BY_GGML = new WeightType[GgmlType.values().length];

    static {
        for (WeightType w : values()) BY_GGML[w.ggml.ordinal()] = w;
    }

    /** The ggml type: id and block layout ({@code blockSize} elements in {@code typeSize} bytes). */
    public final GgmlType ggml;
    public final BlockCodec codec;
    /** llama.cpp's {@code general.file_type} (llama_ftype) for a file whose matrices are all of this type. */
    public final int fileType;
    /**
     * What quantize writes instead for rows whose length is not a multiple of this type's block
     * (llama.cpp's convert_incompatible_tensor: Q4_K → Q5_0, Q5_K → Q5_1, Q6_K → Q8_0), else the type itself;
     * F16 where that does not fit either.
     */
    public final GgmlType shortRows;
    /** The CUDA kernels' name: {@code matmul_NAME} and {@code embed_NAME} in native/kernels.cu; null where there are none. */
    public final String cudaKernel;
    /**
     * Values one CUDA thread takes at a time (the kernel's {@code W::UNIT}); float rows whose length is
     * not a multiple of it take one at a time ({@code NAME_1}).
     */
    public final int cudaUnit;

    WeightType(GgmlType ggml, BlockCodec codec, int fileType, GgmlType shortRows, String cudaKernel, int cudaUnit) {
        this.ggml = ggml;
        this.codec = codec;
        this.fileType = fileType;
        this.shortRows = shortRows == null ? ggml : shortRows;
        this.cudaKernel = cudaKernel;
        this.cudaUnit = cudaUnit;
    }

    /** The row of {@code t}, or null where SpecLab does not read it. */
    public static WeightType of(GgmlType t) {
        return BY_GGML[t.ordinal()];
    }

    /** The row of {@code t}; a type SpecLab does not read is refused with the list of those it does. */
    public static WeightType require(GgmlType t) {
        WeightType w = of(t);
        if (w == null) throw new IllegalArgumentException("no codec for tensor type " + t + " (SpecLab reads " + names(readable()) + ")");
        return w;
    }

    /** Whether SpecLab writes this type (synth, widen, convert, quantize's blocks); some are only read. */
    public boolean writes() { return codec.writes(); }

    /** Whether the CUDA engine has kernels for this type. */
    public boolean onCuda() { return cudaKernel != null; }

    /** Bits each weight takes in this type's blocks. */
    public double bitsPerWeight() { return ggml.typeSize * 8.0 / ggml.blockSize; }

    /** The ggml types of the rows that {@code which} accepts, in the table's order. */
    public static List<GgmlType> types(Predicate<WeightType> which) {
        return Arrays.stream(values()).filter(which).map(w -> w.ggml).toList();
    }

    /** The types SpecLab reads. */
    public static List<GgmlType> readable() { return types(w -> true); }

    /** The types SpecLab writes (synth, widen, quantize's blocks). */
    public static List<GgmlType> writable() { return types(WeightType::writes); }

    /** The types convert writes 2-D weights in: the float types SpecLab writes (quantize makes the smaller ones). */
    public static List<GgmlType> floats() { return types(w -> w.writes() && !w.ggml.isQuantized()); }

    /** "F32, F16, …" for messages. */
    public static String names(List<GgmlType> types) {
        return types.stream().map(GgmlType::name).collect(Collectors.joining(", "));
    }
}
