package org.speclab.engine;

import java.util.Locale;

/**
 * How a KV cache holds its keys and values. float32 is exact to llama2.c and the default; float16 halves the cache's
 * memory and the bytes attention reads at long contexts (llama.cpp's default), at the cost of rounding each key and
 * value to float16 as it is stored.
 */
public enum CacheType {
    F32(4), F16(2);

    private final int bytes;

    CacheType(int bytes) { this.bytes = bytes; }

    /** Bytes one key or value component takes. */
    public int bytesPerValue() { return bytes; }

    /** As users write it: f32, f16. */
    public String label() { return name().toLowerCase(Locale.ROOT); }

    /** f32 or f16 (any case); otherwise the words that follow an option's name ("must be f32 or f16, found 'x'"). */
    public static CacheType parse(String s) {
        for (CacheType t : values()) if (t.label().equalsIgnoreCase(s.trim())) return t;
        throw new IllegalArgumentException("must be f32 or f16, found '" + s + "'");
    }
}
