package org.speclab.model;

import java.lang.foreign.MemorySegment;
import org.speclab.gguf.GgmlType;
import org.speclab.gguf.TensorInfo;

/**
 * A named tensor and its bytes (a view into a mapped file). {@code rowOrder}, when not null, says
 * that row r of the tensor is row {@code rowOrder[r]} of {@code data}: an importer's way to reorder
 * rows (Hugging Face's Q/K layout) without copying the weights.
 */
public record Tensor(TensorInfo info, MemorySegment data, int[] rowOrder) {
    public Tensor(TensorInfo info, MemorySegment data) {
        this(info, data, null);
    }

    /** Byte offset of row r in {@code data}. */
    public long rowOffset(long r) {
        long rowBytes = info.type().byteSize(info.shape()[0]);
        return (rowOrder == null ? r : rowOrder[(int) r]) * rowBytes;
    }

    /** The bytes in tensor order: {@code data} itself, or a copy with the rows reordered. */
    public MemorySegment contiguous(java.lang.foreign.Arena arena) {
        if (rowOrder == null) return data;
        long rowBytes = info.type().byteSize(info.shape()[0]);
        MemorySegment out = arena.allocate(rowBytes * rowOrder.length, 64);
        for (int r = 0; r < rowOrder.length; r++) MemorySegment.copy(data, rowOrder[r] * rowBytes, out, r * rowBytes, rowBytes);
        return out;
    }

    /**
     * Rows {@code from .. from + count} as a tensor of their own named {@code name}, sharing the bytes:
     * how a fused matrix (Phi-3's attn_qkv, its gate-and-up ffn_up) becomes the matrices it joins.
     */
    public Tensor rows(String name, long from, long count) {
        long rows = info.rows(), rowBytes = info.type().byteSize(info.shape()[0]);
        if (from < 0 || count <= 0 || from + count > rows) throw new IllegalArgumentException(info.name() + ": rows " + from + " + " + count + " of " + rows);
        TensorInfo part = new TensorInfo(name, new long[] {info.shape()[0], count}, info.type(), info.offset() + (rowOrder == null ? from * rowBytes : 0));
        if (rowOrder != null) return new Tensor(part, data, java.util.Arrays.copyOfRange(rowOrder, (int) from, (int) (from + count)));
        return new Tensor(part, data.asSlice(from * rowBytes, count * rowBytes));
    }

    public String name() { return info.name(); }

    public GgmlType type() { return info.type(); }

    public long[] shape() { return info.shape(); }
}
