package org.speclab.format;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.speclab.gguf.GgufFile;
import org.speclab.gguf.GgufValue;
import org.speclab.gguf.ModelFormatException;
import org.speclab.gguf.TensorInfo;
import org.speclab.model.ModelFile;
import org.speclab.model.Tensor;

/** Opens any model file SpecLab reads, recognised by content, as a {@link ModelFile}. */
public final class ModelFiles {
    private ModelFiles() {}

    /**
     * @param tokenizer a vocabulary file for checkpoints that carry none (llama2.c {@code .bin}), or null;
     *                  for a file that has its own vocabulary it replaces that one
     */
    public static ModelFile open(Path path, Path tokenizer) {
        if (!Files.exists(path)) throw new ModelFormatException(path, null, "file not found");
        FileKind kind = FileKind.of(path);
        if (Files.isDirectory(path)) {
            if (kind != FileKind.HUGGING_FACE_FOLDER) throw new ModelFormatException(path, "config.json", "missing (a model folder must be a Hugging Face checkpoint)");
            ModelFile m = HuggingFaceCheckpoint.open(path);
            if (tokenizer == null) return m;
            Map<String, GgufValue> md = new java.util.LinkedHashMap<>(m.metadata());
            md.putAll(TokenizerFiles.read(tokenizer, -1));
            return new ModelFile(path, m.format(), md, List.copyOf(m.tensors().values()), m.fileSize(), m::close);
        }
        if (kind == FileKind.GGUF) {
            ModelFile m = openGguf(path);
            if (tokenizer == null) return m;
            Map<String, GgufValue> md = new java.util.LinkedHashMap<>(m.metadata());
            md.putAll(TokenizerFiles.read(tokenizer, -1));
            return new ModelFile(path, m.format(), md, List.copyOf(m.tensors().values()), m.fileSize(), m::close);
        }
        if (kind == FileKind.LLAMA2C_CHECKPOINT) {
            Map<String, GgufValue> vocab = null;
            if (tokenizer != null) {
                int vocabSize = peekVocab(path);
                vocab = TokenizerFiles.read(tokenizer, tokenizer.toString().endsWith(".model") ? -1 : vocabSize);
            }
            return Llama2cCheckpoint.open(path, vocab);
        }
        if (kind != FileKind.UNKNOWN) {
            throw new ModelFormatException(path, "magic", "this is a vocabulary (" + kind.label + "), not a model; give it to a model with --tokenizer");
        }
        throw new ModelFormatException(path, "magic", "not a model SpecLab can read (expected a GGUF file, a llama2.c checkpoint or a Hugging Face folder)");
    }

    private static int peekVocab(Path path) {
        try (var in = Files.newInputStream(path)) {
            var b = java.nio.ByteBuffer.wrap(in.readNBytes(36)).order(java.nio.ByteOrder.LITTLE_ENDIAN);
            int off = b.getInt(0) == Llama2cCheckpoint.MAGIC_AK42 ? 8 : 0;
            return Math.abs(b.getInt(off + 20));
        } catch (java.io.IOException e) {
            throw new ModelFormatException(path, null, "cannot read: " + e.getMessage());
        }
    }

    public static ModelFile openGguf(Path path) {
        GgufFile g = GgufFile.open(path);
        List<Tensor> tensors = new ArrayList<>();
        for (TensorInfo t : g.tensors()) tensors.add(new Tensor(t, g.data(t)));
        return new ModelFile(path, "gguf", g.metadata(), tensors, g.fileSize(), g);
    }
}
