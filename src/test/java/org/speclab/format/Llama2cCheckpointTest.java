package org.speclab.format;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayOutputStream;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.speclab.SharedFiles;
import org.speclab.engine.Transformer;
import org.speclab.engine.cpu.CpuBackend;
import org.speclab.gguf.ModelFormatException;
import org.speclab.model.ModelConfig;
import org.speclab.model.ModelFile;

class Llama2cCheckpointTest {
    @TempDir
    Path dir;

    @Test
    void hyperParametersComeFromTheHeader() {
        try (ModelFile f = ModelFiles.open(SharedFiles.require("models/stories-draft-distilled/draft.bin"), null)) {
            ModelConfig c = ModelConfig.from(f);
            assertEquals(48, c.dim());
            assertEquals(128, c.hiddenDim());
            assertEquals(3, c.layers());
            assertEquals(6, c.heads());
            assertEquals(3, c.kvHeads());
            assertEquals(512, c.vocabSize());
            assertEquals(256, c.contextLength());
            assertTrue(c.tiedClassifier());
            assertEquals(100_944, f.parameterCount());
        }
    }

    /** Re-writes a v0 checkpoint in export version 1 layout; both must give the same logits. */
    @Test
    void version1LayoutGivesTheSameModel() throws Exception {
        Path v0 = SharedFiles.require("models/stories260K/stories260K.bin");
        Path v1 = dir.resolve("v1.bin");
        try (ModelFile f = ModelFiles.open(v0, null)) {
            ModelConfig c = ModelConfig.from(f);
            ByteArrayOutputStream out = new ByteArrayOutputStream();
            ByteBuffer h = ByteBuffer.allocate(256).order(ByteOrder.LITTLE_ENDIAN);
            h.putInt(0x616b3432).putInt(1).putInt(c.dim()).putInt(c.hiddenDim()).putInt(c.layers()).putInt(c.heads())
                    .putInt(c.kvHeads()).putInt(c.vocabSize()).putInt(c.contextLength()).put((byte) (c.tiedClassifier() ? 1 : 0));
            out.writeBytes(h.array());
            java.util.function.Consumer<String> put = n -> out.writeBytes(f.tensor(n).data().toArray(java.lang.foreign.ValueLayout.JAVA_BYTE));
            for (int l = 0; l < c.layers(); l++) put.accept("blk." + l + ".attn_norm.weight");
            for (int l = 0; l < c.layers(); l++) put.accept("blk." + l + ".ffn_norm.weight");
            put.accept("output_norm.weight");
            put.accept("token_embd.weight");
            for (String w : new String[] {"attn_q", "attn_k", "attn_v", "attn_output", "ffn_gate", "ffn_down", "ffn_up"}) {
                for (int l = 0; l < c.layers(); l++) put.accept("blk." + l + "." + w + ".weight");
            }
            if (!c.tiedClassifier()) put.accept("output.weight");
            Files.write(v1, out.toByteArray());
        }
        try (ModelFile a = ModelFiles.open(v0, null); ModelFile b = ModelFiles.open(v1, null);
             Transformer ta = new CpuBackend().load(a, 1); Transformer tb = new CpuBackend().load(b, 1)) {
            int[] toks = {1, 403, 407, 261, 378};
            float[][] la = ta.forward(ta.newCache(8), toks, 0, 5), lb = tb.forward(tb.newCache(8), toks, 0, 5);
            for (int i = 0; i < 5; i++) assertArrayEquals(la[i], lb[i]);
        }
    }

    @Test
    void truncatedCheckpointIsRefused() throws Exception {
        byte[] full = Files.readAllBytes(SharedFiles.require("models/stories260K/stories260K.bin"));
        Path p = dir.resolve("cut.bin");
        Files.write(p, java.util.Arrays.copyOf(full, full.length / 2));
        ModelFormatException e = assertThrows(ModelFormatException.class, () -> Llama2cCheckpoint.open(p, null));
        assertTrue(e.getMessage().startsWith(p + ": weights: file is truncated"), e.getMessage());
        // still recognised as a checkpoint by its header, so every reader says what is wrong with it
        assertEquals(FileKind.LLAMA2C_CHECKPOINT, FileKind.of(p));
        ModelFormatException viaModelFiles = assertThrows(ModelFormatException.class, () -> ModelFiles.open(p, null));
        assertTrue(viaModelFiles.getMessage().startsWith(p + ": weights: file is truncated"), viaModelFiles.getMessage());
    }

    @Test
    void badTokenizerFilesAreRefusedWithTheField() throws Exception {
        byte[] tok = Files.readAllBytes(SharedFiles.require("models/stories260K/tok512.bin"));
        Path cut = dir.resolve("cut-tok.bin");
        Files.write(cut, java.util.Arrays.copyOf(tok, 300));
        var e = assertThrows(ModelFormatException.class, () -> TokenizerFiles.read(cut, 512));
        assertTrue(e.getMessage().startsWith(cut + ": token "), e.getMessage());

        Path badLen = dir.resolve("len-tok.bin");
        byte[] b = tok.clone();
        ByteBuffer.wrap(b).order(ByteOrder.LITTLE_ENDIAN).putInt(8, 1_000_000); // first token's length
        Files.write(badLen, b);
        e = assertThrows(ModelFormatException.class, () -> TokenizerFiles.read(badLen, 512));
        assertTrue(e.getMessage().contains("token 0 length"), e.getMessage());

        Path notProto = dir.resolve("bad.model");
        Files.write(notProto, new byte[] {0x0a, (byte) 0xff, (byte) 0xff, 0x7f, 1, 2});
        e = assertThrows(ModelFormatException.class, () -> TokenizerFiles.read(notProto, -1));
        assertTrue(e.getMessage().startsWith(notProto + ": pieces"), e.getMessage());
    }

    @Test
    void checkpointWithoutTokenizerSaysWhatToPass() {
        var r = org.speclab.cli.CliRun.of("generate", "-m", SharedFiles.require("models/stories260K/stories260K.bin").toString(), "-n", "3");
        assertEquals(1, r.exitCode());
        assertTrue(r.err().contains("--tokenizer"), r.err());
    }
}
