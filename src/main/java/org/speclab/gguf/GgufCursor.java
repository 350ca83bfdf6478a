package org.speclab.gguf;

import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;

/** Reads GGUF primitives from a mapped file, checking every length against what remains. */
final class GgufCursor {
    private static final ValueLayout.OfInt I32 = ValueLayout.JAVA_INT_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN);
    private static final ValueLayout.OfLong I64 = ValueLayout.JAVA_LONG_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN);
    private static final ValueLayout.OfShort I16 = ValueLayout.JAVA_SHORT_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN);
    private static final ValueLayout.OfFloat F32 = ValueLayout.JAVA_FLOAT_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN);
    private static final ValueLayout.OfDouble F64 = ValueLayout.JAVA_DOUBLE_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN);
    /** Nested arrays deeper than this are refused (real files use one level). */
    private static final int MAX_NESTING = 8;

    private final Path path;
    private final MemorySegment seg;
    private long pos;
    private int nesting;

    GgufCursor(Path path, MemorySegment seg) {
        this.path = path;
        this.seg = seg;
    }

    long position() { return pos; }

    private long remaining() { return seg.byteSize() - pos; }

    private void need(long bytes, String field) {
        if (bytes < 0 || bytes > remaining()) {
            throw new ModelFormatException(path, field, "file is truncated (needs " + Long.toUnsignedString(bytes)
                    + " more bytes at offset " + pos + ", " + remaining() + " left)");
        }
    }

    int i32(String field) {
        need(4, field);
        int v = seg.get(I32, pos);
        pos += 4;
        return v;
    }

    long i64(String field) {
        need(8, field);
        long v = seg.get(I64, pos);
        pos += 8;
        return v;
    }

    /** A count whose every item takes at least {@code minItemBytes}: more than could fit is refused. */
    long count(String field, long minItemBytes) {
        long n = i64(field);
        if (n < 0 || n > remaining() / minItemBytes) {
            throw new ModelFormatException(path, field, "absurd count " + Long.toUnsignedString(n)
                    + " (the " + remaining() + " bytes left could hold at most " + remaining() / minItemBytes + ")");
        }
        return n;
    }

    String string(String field) {
        long len = i64(field + " length");
        if (len < 0 || len > remaining()) {
            throw new ModelFormatException(path, field, "string length " + Long.toUnsignedString(len)
                    + " exceeds the " + remaining() + " bytes left in the file (truncated or corrupt)");
        }
        byte[] b = seg.asSlice(pos, len).toArray(ValueLayout.JAVA_BYTE);
        pos += len;
        try {
            return StandardCharsets.UTF_8.newDecoder().onMalformedInput(java.nio.charset.CodingErrorAction.REPORT)
                    .onUnmappableCharacter(java.nio.charset.CodingErrorAction.REPORT).decode(java.nio.ByteBuffer.wrap(b)).toString();
        } catch (java.nio.charset.CharacterCodingException e) {
            throw new ModelFormatException(path, field, "string is not valid UTF-8");
        }
    }

    GgufValueType valueType(String key) {
        int id = i32(key + " type");
        GgufValueType t = GgufValueType.byId(Integer.toUnsignedLong(id));
        if (t == null) throw new ModelFormatException(path, key, "unknown metadata value type " + Integer.toUnsignedString(id));
        return t;
    }

    GgufValue value(String key, GgufValueType type) {
        if (type == GgufValueType.ARRAY) return array(key);
        return new GgufValue(type, scalar(key, type), null);
    }

    private Object scalar(String key, GgufValueType type) {
        switch (type) {
            case UINT8, INT8 -> { need(1, key); return seg.get(ValueLayout.JAVA_BYTE, pos++); }
            case UINT16, INT16 -> { need(2, key); short v = seg.get(I16, pos); pos += 2; return v; }
            case UINT32, INT32 -> { return i32(key); }
            case FLOAT32 -> { need(4, key); float v = seg.get(F32, pos); pos += 4; return v; }
            case BOOL -> {
                need(1, key);
                byte b = seg.get(ValueLayout.JAVA_BYTE, pos++);
                if (b != 0 && b != 1) throw new ModelFormatException(path, key, "invalid bool value " + b);
                return b == 1;
            }
            case STRING -> { return string(key); }
            case UINT64, INT64 -> { return i64(key); }
            case FLOAT64 -> { need(8, key); double v = seg.get(F64, pos); pos += 8; return v; }
            default -> throw new IllegalStateException(type.toString());
        }
    }

    private GgufValue array(String key) {
        GgufValueType et = valueType(key + " element");
        // strings take at least their 8-byte length, nested arrays their 12-byte header
        long minItem = switch (et) { case STRING -> 8; case ARRAY -> 12; default -> et.size; };
        long n = count(key + " array length", minItem);
        int len = (int) Math.min(n, Integer.MAX_VALUE - 8);
        if (len != n) throw new ModelFormatException(path, key, "array of " + n + " elements is too long");
        Object out;
        switch (et) {
            case UINT8, INT8 -> { byte[] a = seg.asSlice(pos, len).toArray(ValueLayout.JAVA_BYTE); pos += len; out = a; }
            case UINT16, INT16 -> { short[] a = new short[len]; for (int i = 0; i < len; i++) { a[i] = seg.get(I16, pos); pos += 2; } out = a; }
            case UINT32, INT32 -> { int[] a = new int[len]; for (int i = 0; i < len; i++) { a[i] = seg.get(I32, pos); pos += 4; } out = a; }
            case FLOAT32 -> { float[] a = new float[len]; for (int i = 0; i < len; i++) { a[i] = seg.get(F32, pos); pos += 4; } out = a; }
            case UINT64, INT64 -> { long[] a = new long[len]; for (int i = 0; i < len; i++) { a[i] = seg.get(I64, pos); pos += 8; } out = a; }
            case FLOAT64 -> { double[] a = new double[len]; for (int i = 0; i < len; i++) { a[i] = seg.get(F64, pos); pos += 8; } out = a; }
            case BOOL -> { boolean[] a = new boolean[len]; for (int i = 0; i < len; i++) a[i] = (Boolean) scalar(key, et); out = a; }
            case STRING -> { String[] a = new String[len]; for (int i = 0; i < len; i++) a[i] = string(key + "[" + i + "]"); out = a; }
            case ARRAY -> {
                if (++nesting > MAX_NESTING) throw new ModelFormatException(path, key, "arrays nested deeper than " + MAX_NESTING);
                GgufValue[] a = new GgufValue[len];
                for (int i = 0; i < len; i++) a[i] = array(key + "[" + i + "]");
                nesting--;
                out = a;
            }
            default -> throw new IllegalStateException(et.toString());
        }
        return new GgufValue(GgufValueType.ARRAY, out, et);
    }

    TensorInfo tensorInfo(long index, int alignment) {
        String name = string("tensor #" + index + " name");
        String field = "tensor " + name;
        int nDims = i32(field + " n_dims");
        if (nDims < 1 || nDims > GgufFile.MAX_DIMS) {
            throw new ModelFormatException(path, field, "n_dims " + Integer.toUnsignedString(nDims) + " out of range 1.." + GgufFile.MAX_DIMS);
        }
        long[] shape = new long[nDims];
        long elements = 1;
        for (int d = 0; d < nDims; d++) {
            shape[d] = i64(field + " dimension " + d);
            if (shape[d] <= 0) throw new ModelFormatException(path, field, "dimension " + d + " is " + Long.toUnsignedString(shape[d]));
            if (elements > Long.MAX_VALUE / 16 / shape[d]) throw new ModelFormatException(path, field, "absurd element count");
            elements *= shape[d];
        }
        int typeId = i32(field + " type");
        GgmlType type = GgmlType.byId(Integer.toUnsignedLong(typeId));
        if (type == null) throw new ModelFormatException(path, field, "unknown tensor type " + Integer.toUnsignedString(typeId));
        if (shape[0] % type.blockSize != 0) {
            throw new ModelFormatException(path, field, "row length " + shape[0] + " is not a multiple of the " + type + " block size " + type.blockSize);
        }
        long offset = i64(field + " offset");
        if (offset < 0 || offset % alignment != 0) {
            throw new ModelFormatException(path, field, "data offset " + Long.toUnsignedString(offset) + " is not aligned to " + alignment);
        }
        return new TensorInfo(name, shape, type, offset);
    }
}
