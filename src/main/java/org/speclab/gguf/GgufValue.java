package org.speclab.gguf;

import java.util.Arrays;

/**
 * One metadata value. Scalars are boxed Java values of the matching width (unsigned types keep
 * their bits in the signed box); arrays are primitive arrays ({@code int[]} for INT32/UINT32,
 * {@code String[]} for strings, {@code GgufValue[]} for nested arrays). {@code elementType} is set
 * for arrays only.
 */
public record GgufValue(GgufValueType type, Object value, GgufValueType elementType) {

    public static GgufValue of(String s) { return new GgufValue(GgufValueType.STRING, s, null); }

    public static GgufValue ofUInt32(int v) { return new GgufValue(GgufValueType.UINT32, v, null); }

    public static GgufValue ofInt32(int v) { return new GgufValue(GgufValueType.INT32, v, null); }

    public static GgufValue ofFloat(float v) { return new GgufValue(GgufValueType.FLOAT32, v, null); }

    public static GgufValue ofBool(boolean v) { return new GgufValue(GgufValueType.BOOL, v, null); }

    public static GgufValue ofStrings(String[] v) { return new GgufValue(GgufValueType.ARRAY, v, GgufValueType.STRING); }

    public static GgufValue ofFloats(float[] v) { return new GgufValue(GgufValueType.ARRAY, v, GgufValueType.FLOAT32); }

    public static GgufValue ofInts(int[] v) { return new GgufValue(GgufValueType.ARRAY, v, GgufValueType.INT32); }

    public boolean isArray() { return type == GgufValueType.ARRAY; }

    /** Integer value (unsigned types widened without sign), or throws if this is not an integer. */
    public long asLong() {
        return switch (type) {
            case UINT8 -> Byte.toUnsignedLong((Byte) value);
            case INT8 -> (Byte) value;
            case UINT16 -> Short.toUnsignedLong((Short) value);
            case INT16 -> (Short) value;
            case UINT32 -> Integer.toUnsignedLong((Integer) value);
            case INT32 -> (Integer) value;
            case UINT64, INT64 -> (Long) value;
            case BOOL -> ((Boolean) value) ? 1 : 0;
            default -> throw new IllegalStateException("not an integer but " + type);
        };
    }

    public double asDouble() {
        return switch (type) {
            case FLOAT32 -> (Float) value;
            case FLOAT64 -> (Double) value;
            default -> asLong();
        };
    }

    public int arrayLength() {
        if (!isArray()) return -1;
        return java.lang.reflect.Array.getLength(value);
    }

    @Override
    public String toString() {
        if (!isArray()) return String.valueOf(value);
        int n = arrayLength();
        StringBuilder sb = new StringBuilder("[").append(elementType).append(" × ").append(n).append(": ");
        for (int i = 0; i < Math.min(n, 5); i++) {
            if (i > 0) sb.append(", ");
            Object e = java.lang.reflect.Array.get(value, i);
            sb.append(e instanceof String s ? '"' + s + '"' : String.valueOf(e));
        }
        return sb.append(n > 5 ? ", …]" : "]").toString();
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof GgufValue v && v.type == type && v.elementType == elementType
                && Arrays.deepEquals(new Object[] {value}, new Object[] {v.value});
    }

    @Override
    public int hashCode() {
        return Arrays.deepHashCode(new Object[] {type, value, elementType});
    }
}
