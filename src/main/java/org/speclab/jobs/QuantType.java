package org.speclab.jobs;

import java.util.Locale;
import org.speclab.gguf.GgmlType;

/** What {@code quantize --type} accepts: one block type, or the mixed preset Q4_K_M. */
public enum QuantType {
    Q8_0(GgmlType.Q8_0), Q4_0(GgmlType.Q4_0), Q4_1(GgmlType.Q4_1), Q4_K(GgmlType.Q4_K), Q6_K(GgmlType.Q6_K),
    /** llama.cpp's mix: Q4_K, with Q6_K for the output and for attn_v / ffn_down on the layers that matter most. */
    Q4_K_M(GgmlType.Q4_K);

    public final GgmlType base;

    QuantType(GgmlType base) {
        this.base = base;
    }

    /** Accepts the GGUF names (q8_0, q4_k_m, …) and the seed's gpt-fast names: int8 = Q8_0, int4 / int4.g32 = Q4_1 (32-element groups with scale and offset). */
    public static QuantType parse(String s) {
        String n = s.trim().toLowerCase(Locale.ROOT);
        return switch (n) {
            case "int8" -> Q8_0;
            case "int4", "int4.g32" -> Q4_1;
            default -> {
                for (QuantType t : values()) if (t.name().toLowerCase(Locale.ROOT).equals(n)) yield t;
                throw new IllegalArgumentException("unknown quantization type '" + s + "' (known: q8_0, q4_0, q4_1, q4_k, q6_k, q4_k_m; int8 = q8_0, int4.g32 = q4_1)");
            }
        };
    }

    @Override
    public String toString() {
        return name();
    }
}
