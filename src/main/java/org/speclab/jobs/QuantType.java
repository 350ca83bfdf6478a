package org.speclab.jobs;

import java.util.Locale;
import org.speclab.gguf.GgmlType;
import org.speclab.quant.WeightType;

/**
 * What {@code quantize --type} accepts, one row per choice: one block type, whose facts are its
 * {@link WeightType} row, or a mix of types (llama.cpp's K_M presets), which carries its own
 * {@code general.file_type} number and typical bits per weight. Help, errors and the Library's menu
 * list the choices from here.
 */
public enum QuantType {
    Q8_0(WeightType.Q8_0), Q4_0(WeightType.Q4_0), Q4_1(WeightType.Q4_1), Q5_0(WeightType.Q5_0), Q5_1(WeightType.Q5_1),
    // single K types: every block that type
    Q2_K(WeightType.Q2_K), Q3_K(WeightType.Q3_K), Q4_K(WeightType.Q4_K), Q5_K(WeightType.Q5_K), Q6_K(WeightType.Q6_K),
    /** llama.cpp's mixes (QuantPreset): Q6_K for the output, more bits for attn_v / ffn_down where they matter most. */
    Q3_K_M(WeightType.Q3_K, 12, 3.91), Q4_K_M(WeightType.Q4_K, 15, 4.85), Q5_K_M(WeightType.Q5_K, 17, 5.69);

    public final GgmlType base;
    /** llama.cpp's llama_ftype number for the file. */
    public final int fileType;
    /** A mix's typical bits per weight; NaN for a single type. */
    private final double mixBits;

    QuantType(WeightType single) {
        this(single, single.fileType, Double.NaN);
    }

    QuantType(WeightType base, int fileType, double mixBits) {
        this.base = base.ggml;
        this.fileType = fileType;
        this.mixBits = mixBits;
    }

    /** Whether this is a mix of types (the K_M presets) rather than one type. */
    public boolean isMix() { return !Double.isNaN(mixBits); }

    /** Bits per weight of the file's matrices: the block type's, or the mix's typical figure. */
    public double bitsPerWeight() {
        return isMix() ? mixBits : WeightType.of(base).bitsPerWeight();
    }

    /** "q8_0, q4_0, …" for help and messages. */
    public static String names() {
        return String.join(", ", java.util.Arrays.stream(values()).map(v -> v.name().toLowerCase(Locale.ROOT)).toList());
    }

    /** Accepts the GGUF names (q8_0, q4_k_m, …) and the seed's gpt-fast names: int8 = Q8_0, int4 / int4.g32 = Q4_1 (32-element groups with scale and offset). */
    public static QuantType parse(String s) {
        String n = s.trim().toLowerCase(Locale.ROOT);
        return switch (n) {
            case "int8" -> Q8_0;
            case "int4", "int4.g32" -> Q4_1;
            default -> {
                for (QuantType t : values()) if (t.name().toLowerCase(Locale.ROOT).equals(n)) yield t;
                throw new IllegalArgumentException("unknown quantization type '" + s + "' (known: " + names() + "; int8 = q8_0, int4.g32 = q4_1)");
            }
        };
    }

    @Override
    public String toString() {
        return name();
    }
}
