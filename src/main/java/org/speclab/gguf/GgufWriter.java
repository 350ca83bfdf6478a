package org.speclab.gguf;

import java.io.BufferedOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.List;
import java.util.Map;

/**
 * Writes GGUF v3: header, metadata, tensor infos, then the aligned tensor data, streamed tensor by
 * tensor. The file appears under its name only when complete (written to a temporary file beside
 * it, then renamed), so a failed or cancelled write leaves nothing behind.
 */
public final class GgufWriter {
    /** Bytes of one tensor, produced when it is written (so nothing needs to be held in memory). */
    @FunctionalInterface
    public interface Data {
        void writeTo(OutputStream out) throws IOException;

        static Data of(MemorySegment segment) {
            return out -> {
                byte[] buf = new byte[1 << 16];
                for (long off = 0; off < segment.byteSize(); off += buf.length) {
                    int n = (int) Math.min(buf.length, segment.byteSize() - off);
                    MemorySegment.copy(segment, ValueLayout.JAVA_BYTE, off, buf, 0, n);
                    out.write(buf, 0, n);
                }
            };
        }

        static Data of(byte[] bytes) {
            return out -> out.write(bytes);
        }
    }

    /** A tensor to write; {@code shape[0]} is the innermost dimension. */
    public record Entry(String name, long[] shape, GgmlType type, Data data) {
        public long byteSize() {
            long n = 1;
            for (long d : shape) n *= d;
            return type.byteSize(n);
        }
    }

    /** Told after each tensor; may throw (e.g. a cancellation) to abandon the file, which is then removed. */
    @FunctionalInterface
    public interface Progress {
        void written(int tensorsDone, long bytesDone, long bytesTotal);
    }

    private GgufWriter() {}

    public static void write(Path path, Map<String, GgufValue> metadata, List<Entry> tensors) throws IOException {
        write(path, metadata, tensors, (t, d, total) -> {});
    }

    /** Bytes the tensor data will take, alignment padding included. */
    public static long dataBytes(List<Entry> tensors, int alignment) {
        long total = 0;
        for (Entry t : tensors) total = align(total + t.byteSize(), alignment);
        return total;
    }

    public static void write(Path path, Map<String, GgufValue> metadata, List<Entry> tensors, Progress progress) throws IOException {
        int alignment = GgufFile.DEFAULT_ALIGNMENT;
        GgufValue a = metadata.get("general.alignment");
        if (a != null) alignment = (int) a.asLong();
        Path dir = path.toAbsolutePath().getParent();
        try (OutputLock lock = OutputLock.acquire(path)) {
            writeLocked(path, dir, metadata, tensors, progress, alignment);
        }
    }

    private static void writeLocked(Path path, Path dir, Map<String, GgufValue> metadata, List<Entry> tensors, Progress progress, int alignment)
            throws IOException {
        Path tmp = Files.createTempFile(dir, "." + path.getFileName() + ".", ".part");
        try {
            try (Counting out = new Counting(new BufferedOutputStream(Files.newOutputStream(tmp), 1 << 20))) {
                out.i32(GgufFile.MAGIC);
                out.i32(3);
                out.i64(tensors.size());
                out.i64(metadata.size());
                for (var e : metadata.entrySet()) {
                    out.string(e.getKey());
                    out.i32(e.getValue().type().ordinal());
                    value(out, e.getValue());
                }
                long offset = 0;
                for (Entry t : tensors) {
                    out.string(t.name());
                    out.i32(t.shape().length);
                    for (long d : t.shape()) out.i64(d);
                    out.i32(t.type().id);
                    out.i64(offset);
                    offset = align(offset + t.byteSize(), alignment);
                }
                out.pad(alignment);
                long dataStart = out.count, total = dataBytes(tensors, alignment);
                int done = 0;
                for (Entry t : tensors) {
                    long before = out.count;
                    t.data().writeTo(out);
                    if (out.count - before != t.byteSize()) {
                        throw new IOException("tensor " + t.name() + ": wrote " + (out.count - before) + " bytes, expected " + t.byteSize());
                    }
                    out.pad(alignment);
                    progress.written(++done, out.count - dataStart, total);
                }
            }
            // temporary files are private (0600); the model is an ordinary file
            if (Files.getFileStore(tmp).supportsFileAttributeView("posix")) {
                Files.setPosixFilePermissions(tmp, java.nio.file.attribute.PosixFilePermissions.fromString("rw-r--r--"));
            }
            Files.move(tmp, path, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
        } finally {
            Files.deleteIfExists(tmp);
        }
    }

    private static long align(long v, int alignment) {
        return (v + alignment - 1) / alignment * alignment;
    }

    private static void value(Counting out, GgufValue v) throws IOException {
        if (!v.isArray()) {
            scalar(out, v.type(), v.value());
            return;
        }
        out.i32(v.elementType().ordinal());
        Object arr = v.value();
        int n = java.lang.reflect.Array.getLength(arr);
        out.i64(n);
        for (int i = 0; i < n; i++) {
            Object e = java.lang.reflect.Array.get(arr, i);
            if (v.elementType() == GgufValueType.ARRAY) value(out, (GgufValue) e);
            else scalar(out, v.elementType(), e);
        }
    }

    private static void scalar(Counting out, GgufValueType type, Object o) throws IOException {
        switch (type) {
            case UINT8, INT8 -> out.write(((Number) o).byteValue());
            case UINT16, INT16 -> out.bytes(ByteBuffer.allocate(2).order(ByteOrder.LITTLE_ENDIAN).putShort(((Number) o).shortValue()).array());
            case UINT32, INT32 -> out.i32(((Number) o).intValue());
            case FLOAT32 -> out.i32(Float.floatToRawIntBits(((Number) o).floatValue()));
            case BOOL -> out.write((Boolean) o ? 1 : 0);
            case STRING -> out.string((String) o);
            case UINT64, INT64 -> out.i64(((Number) o).longValue());
            case FLOAT64 -> out.i64(Double.doubleToRawLongBits(((Number) o).doubleValue()));
            default -> throw new IllegalArgumentException("not a scalar: " + type);
        }
    }

    /** An output stream that knows its position, with little-endian helpers. */
    private static final class Counting extends java.io.FilterOutputStream {
        long count;

        Counting(OutputStream out) {
            super(out);
        }

        @Override
        public void write(int b) throws IOException {
            out.write(b);
            count++;
        }

        @Override
        public void write(byte[] b, int off, int len) throws IOException {
            out.write(b, off, len);
            count += len;
        }

        void bytes(byte[] b) throws IOException { write(b, 0, b.length); }

        void i32(int v) throws IOException { bytes(ByteBuffer.allocate(4).order(ByteOrder.LITTLE_ENDIAN).putInt(v).array()); }

        void i64(long v) throws IOException { bytes(ByteBuffer.allocate(8).order(ByteOrder.LITTLE_ENDIAN).putLong(v).array()); }

        void string(String s) throws IOException {
            byte[] b = s.getBytes(StandardCharsets.UTF_8);
            i64(b.length);
            bytes(b);
        }

        void pad(int alignment) throws IOException {
            while (count % alignment != 0) write(0);
        }
    }
}
