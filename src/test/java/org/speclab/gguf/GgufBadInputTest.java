package org.speclab.gguf;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayOutputStream;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.function.Consumer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.speclab.cli.CliRun;

/** Every malformed GGUF gives one clear line naming the file and the field, never a crash or a huge allocation. */
class GgufBadInputTest {
    @TempDir
    Path dir;

    /** Little-endian GGUF byte builder. */
    static final class Bytes {
        final ByteArrayOutputStream out = new ByteArrayOutputStream();

        Bytes u32(long v) { return raw(ByteBuffer.allocate(4).order(ByteOrder.LITTLE_ENDIAN).putInt((int) v).array()); }

        Bytes u64(long v) { return raw(ByteBuffer.allocate(8).order(ByteOrder.LITTLE_ENDIAN).putLong(v).array()); }

        Bytes str(String s) {
            byte[] b = s.getBytes(StandardCharsets.UTF_8);
            return u64(b.length).raw(b);
        }

        Bytes raw(byte[] b) {
            out.writeBytes(b);
            return this;
        }

        Bytes pad(int alignment) {
            while (out.size() % alignment != 0) out.write(0);
            return this;
        }

        byte[] bytes() { return out.toByteArray(); }
    }

    /** A valid file: one string KV, one 4×2 F32 tensor. */
    static Bytes valid(Consumer<Bytes> afterHeader) {
        Bytes b = new Bytes().raw("GGUF".getBytes(StandardCharsets.US_ASCII)).u32(3).u64(1).u64(1);
        b.str("general.architecture").u32(8).str("llama");
        afterHeader.accept(b);
        return b;
    }

    static Bytes tensorInfo(Bytes b, String name, long typeId, long offset, long... dims) {
        b.str(name).u32(dims.length);
        for (long d : dims) b.u64(d);
        return b.u32(typeId).u64(offset);
    }

    private Path write(String name, byte[] content) throws Exception {
        Path p = dir.resolve(name);
        Files.write(p, content);
        return p;
    }

    private ModelFormatException refused(String name, byte[] content, String... fragments) throws Exception {
        Path p = write(name, content);
        ModelFormatException e = assertThrows(ModelFormatException.class, () -> GgufFile.open(p).close());
        assertTrue(e.getMessage().startsWith(p.toString()), e.getMessage());
        for (String f : fragments) assertTrue(e.getMessage().contains(f), "'" + f + "' not in: " + e.getMessage());
        assertFalse(e.getMessage().contains("\n"), e.getMessage());
        // the CLI says the same in one line and exits non-zero, without a stack trace
        CliRun r = CliRun.of("info", p.toString());
        assertNotEquals(0, r.exitCode());
        assertEquals(1, r.err().strip().lines().count(), r.err());
        assertTrue(r.err().startsWith("speclab: error: " + p), r.err());
        assertFalse(r.err().contains("Exception") || r.err().contains("\tat "), r.err());
        return e;
    }

    @Test
    void validFileParses() throws Exception {
        Bytes b = valid(x -> tensorInfo(x, "w", 0, 0, 4, 2).pad(32).raw(new byte[32]));
        try (GgufFile g = GgufFile.open(write("ok.gguf", b.bytes()))) {
            assertEquals(3, g.version());
            assertEquals("llama", g.metadata().get("general.architecture").value());
            assertEquals(1, g.tensors().size());
            assertEquals(32, g.data(g.tensors().getFirst()).byteSize());
        }
    }

    @Test
    void wrongMagic() throws Exception {
        byte[] b = valid(x -> {}).bytes();
        b[0] = 'X';
        // not recognised as GGUF at all by the model opener, and refused by the GGUF reader
        refused("magic.gguf", b, "magic", "not a GGUF file");
    }

    @Test
    void unsupportedVersion() throws Exception {
        Bytes b = new Bytes().raw("GGUF".getBytes(StandardCharsets.US_ASCII)).u32(7).u64(0).u64(0);
        refused("v7.gguf", b.bytes(), "version", "unsupported GGUF version 7");
    }

    @Test
    void truncatedInMetadata() throws Exception {
        byte[] full = valid(x -> {}).bytes();
        refused("trunc.gguf", java.util.Arrays.copyOf(full, full.length - 3), "general.architecture", "truncated");
    }

    @Test
    void truncatedHeader() throws Exception {
        refused("short.gguf", "GGUF\3\0".getBytes(StandardCharsets.ISO_8859_1), "version", "truncated");
    }

    @Test
    void tensorDataBeyondEndOfFile() throws Exception {
        Bytes b = valid(x -> tensorInfo(x, "blk.0.w", 0, 0, 4, 2).pad(32).raw(new byte[20]));
        refused("short-data.gguf", b.bytes(), "tensor blk.0.w", "beyond the end of the file");
    }

    @Test
    void overlappingTensors() throws Exception {
        // two 4×2 F32 tensors (32 bytes each), the second starting 16 bytes into the first
        Bytes b = new Bytes().raw("GGUF".getBytes(StandardCharsets.US_ASCII)).u32(3).u64(2).u64(1);
        b.str("general.architecture").u32(8).str("llama");
        tensorInfo(b, "a", 0, 0, 4, 2);
        tensorInfo(b, "b", 0, 32, 4, 2);
        b.pad(32).raw(new byte[64]);
        GgufFile.open(write("fine.gguf", b.bytes())).close(); // side by side: fine
        Bytes o = new Bytes().raw("GGUF".getBytes(StandardCharsets.US_ASCII)).u32(3).u64(2).u64(1);
        o.str("general.architecture").u32(8).str("llama");
        tensorInfo(o, "a", 0, 0, 4, 2);
        tensorInfo(o, "b", 0, 0, 4, 2);
        o.pad(32).raw(new byte[64]);
        refused("overlap.gguf", o.bytes(), "overlaps tensor");
    }

    @Test
    void aFolderIsNotAModel() throws Exception {
        Path folder = Files.createDirectories(dir.resolve("not-a-model"));
        CliRun r = CliRun.of("info", folder.toString());
        assertNotEquals(0, r.exitCode());
        assertEquals(1, r.err().strip().lines().count(), r.err());
        assertTrue(r.err().startsWith("speclab: error: " + folder), r.err());
        CliRun g = CliRun.of("generate", "-m", folder.toString(), "-n", "2");
        assertNotEquals(0, g.exitCode());
        assertTrue(g.err().strip().lines().filter(l -> l.startsWith("speclab: error:")).count() == 1 && g.err().contains(folder.toString()), g.err());
        assertFalse(g.err().contains("\tat "), g.err());
    }

    @Test
    void hugeTensorOffset() throws Exception {
        Bytes b = valid(x -> tensorInfo(x, "w", 0, 1L << 40, 4, 2).pad(32).raw(new byte[32]));
        refused("far.gguf", b.bytes(), "tensor w", "beyond the end of the file");
    }

    @Test
    void unknownTensorType() throws Exception {
        Bytes b = valid(x -> tensorInfo(x, "w", 99, 0, 4, 2).pad(32).raw(new byte[32]));
        refused("type.gguf", b.bytes(), "tensor w", "unknown tensor type 99");
    }

    @Test
    void absurdTensorCount() throws Exception {
        Bytes b = new Bytes().raw("GGUF".getBytes(StandardCharsets.US_ASCII)).u32(3).u64(1L << 61).u64(0);
        refused("count.gguf", b.bytes(), "tensor_count", "absurd count");
    }

    @Test
    void absurdMetadataCount() throws Exception {
        Bytes b = new Bytes().raw("GGUF".getBytes(StandardCharsets.US_ASCII)).u32(3).u64(0).u64(-1L);
        refused("kv.gguf", b.bytes(), "metadata_kv_count", "absurd count");
    }

    @Test
    void absurdStringLength() throws Exception {
        Bytes b = new Bytes().raw("GGUF".getBytes(StandardCharsets.US_ASCII)).u32(3).u64(0).u64(1);
        b.str("general.name").u32(8).u64(Long.MAX_VALUE - 3);
        refused("str.gguf", b.bytes(), "general.name", "string length");
    }

    @Test
    void absurdArrayLength() throws Exception {
        Bytes b = new Bytes().raw("GGUF".getBytes(StandardCharsets.US_ASCII)).u32(3).u64(0).u64(1);
        b.str("tokenizer.ggml.tokens").u32(9).u32(8).u64(1L << 40);
        refused("arr.gguf", b.bytes(), "tokenizer.ggml.tokens array length", "absurd count");
    }

    @Test
    void absurdDimensions() throws Exception {
        Bytes b = valid(x -> tensorInfo(x, "w", 0, 0, 1L << 40, 1L << 40).pad(32));
        refused("dims.gguf", b.bytes(), "tensor w", "absurd element count");
    }

    @Test
    void tooManyDimensions() throws Exception {
        Bytes b = valid(x -> tensorInfo(x, "w", 0, 0, 1, 1, 1, 1, 1).pad(32));
        refused("ndims.gguf", b.bytes(), "tensor w", "n_dims 5");
    }

    @Test
    void unknownMetadataType() throws Exception {
        Bytes b = new Bytes().raw("GGUF".getBytes(StandardCharsets.US_ASCII)).u32(3).u64(0).u64(1);
        b.str("general.name").u32(42);
        refused("mdtype.gguf", b.bytes(), "general.name", "unknown metadata value type 42");
    }

    @Test
    void misalignedTensorOffset() throws Exception {
        Bytes b = valid(x -> tensorInfo(x, "w", 0, 5, 4, 2).pad(32).raw(new byte[64]));
        refused("align.gguf", b.bytes(), "tensor w", "not aligned");
    }

    @Test
    void emptyFile() throws Exception {
        refused("empty.gguf", new byte[0], "magic");
    }

    @Test
    void nestedArraysAndEveryScalarTypeRoundTrip() throws Exception {
        var md = new java.util.LinkedHashMap<String, GgufValue>();
        md.put("u8", new GgufValue(GgufValueType.UINT8, (byte) 200, null));
        md.put("i8", new GgufValue(GgufValueType.INT8, (byte) -5, null));
        md.put("u16", new GgufValue(GgufValueType.UINT16, (short) 60000, null));
        md.put("i16", new GgufValue(GgufValueType.INT16, (short) -300, null));
        md.put("u32", GgufValue.ofUInt32(-1));
        md.put("i32", GgufValue.ofInt32(-7));
        md.put("f32", GgufValue.ofFloat(1.5f));
        md.put("bool", GgufValue.ofBool(true));
        md.put("str", GgufValue.of("héllo ▁ 你好"));
        md.put("u64", new GgufValue(GgufValueType.UINT64, -2L, null));
        md.put("i64", new GgufValue(GgufValueType.INT64, -3L, null));
        md.put("f64", new GgufValue(GgufValueType.FLOAT64, 2.25, null));
        md.put("nested", new GgufValue(GgufValueType.ARRAY, new GgufValue[] {GgufValue.ofInts(new int[] {1, 2}), GgufValue.ofStrings(new String[] {"a"})}, GgufValueType.ARRAY));
        md.put("floats", GgufValue.ofFloats(new float[] {0.5f, -1f}));
        Path p = dir.resolve("all.gguf");
        GgufWriter.write(p, md, java.util.List.of(new GgufWriter.Entry("t", new long[] {3}, GgmlType.F32, GgufWriter.Data.of(new byte[12]))));
        try (GgufFile g = GgufFile.open(p)) {
            assertEquals(md, g.metadata());
            assertEquals(200, g.metadata().get("u8").asLong());
            assertEquals(60000, g.metadata().get("u16").asLong());
            assertEquals(4294967295L, g.metadata().get("u32").asLong());
            assertEquals(0, g.dataOffset() % 32);
        }
        try (var s = Files.list(dir)) {
            assertEquals(1, s.count(), "the writer leaves no temporary file behind");
        }
    }
}
