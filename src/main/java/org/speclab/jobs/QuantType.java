package org.speclab.jobs;

import java.util.Locale;
import org.speclab.gguf.GgmlType;

/**
 * What {@code quantize --type} accepts, one row per choice: one block type, or the mixed preset
 * Q4_K_M; with llama.cpp's {@code general.file_type} number for the file it makes. Help, errors and
 * the Library's menu list the choices from here.
 */
public enum QuantType {
    Q8_0(GgmlType.Q8_0, 7), Q4_0(GgmlType.Q4_0, 2), Q4_1(GgmlType.Q4_1, 3), Q5_0(GgmlType.Q5_0, 8), Q5_1(GgmlType.Q5_1, 9),
    // single K types: every block that type (llama.cpp's file-type numbers for its nearest mix)
    Q2_K(GgmlType.Q2_K, 10), Q3_K(GgmlType.Q3_K, 11 /* MOSTLY_Q3_K_S */), Q4_K(GgmlType.Q4_K, 14 /* MOSTLY_Q4_K_S */),
    Q5_K(GgmlType.Q5_K, 16 /* MOSTLY_Q5_K_S */), Q6_K(GgmlType.Q6_K, 18),
    /** llama.cpp's mixes (QuantPreset): Q6_K for the output, more bits for attn_v / ffn_down where they matter most. */
    Q3_K_M(GgmlType.Q3_K, 12), Q4_K_M(GgmlType.Q4_K, 15), Q5_K_M(GgmlType.Q5_K, 17);

    public final GgmlType base;
    /** llama.cpp's llama_ftype number. */
    public final int fileType;

    QuantType(GgmlType base, int fileType) {
        this.base = base;
        this.fileType = fileType;
    }

    /** Whether this is a mix of types (the K_M presets) rather than one type. */
    public boolean isMix() { return this == Q3_K_M || this == Q4_K_M || this == Q5_K_M; }

    /** Bits per weight of the file's matrices: the block type's, or the mix's typical figure. */
    public double bitsPerWeight() {
        return switch (this) {
            case Q3_K_M -> 3.91;
            case Q4_K_M -> 4.85;
            case Q5_K_M -> 5.69;
            default -> base.typeSize * 8.0 / base.blockSize;
        };
    }

    /** The single-type choice writing {@code t}, or null. */
    public static QuantType of(GgmlType t) {
        for (QuantType q : values()) if (q.base == t && !q.isMix()) return q;
        return null;
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
