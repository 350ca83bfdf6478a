package org.speclab.format;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.speclab.SharedFiles;
import org.speclab.gguf.ModelFormatException;

/** One detector for every format SpecLab reads, on real files of each kind. */
class FileKindTest {
    @TempDir
    Path dir;

    @Test
    void realFilesOfEachKind() {
        assertEquals(FileKind.GGUF, FileKind.of(SharedFiles.require("models/stories260K/stories260K.gguf")));
        assertEquals(FileKind.LLAMA2C_CHECKPOINT, FileKind.of(SharedFiles.require("models/stories260K/stories260K.bin")));
        assertEquals(FileKind.LLAMA2C_TOKENIZER, FileKind.of(SharedFiles.require("models/stories260K/tok512.bin")));
        assertEquals(FileKind.SENTENCEPIECE, FileKind.of(SharedFiles.require("models/stories260K/tok512.model")));
        assertEquals(FileKind.SENTENCEPIECE, FileKind.of(SharedFiles.require("tokenizers/llama2/tokenizer.model")));
        assertEquals(FileKind.TOKENIZER_JSON, FileKind.of(SharedFiles.require("tokenizers/llama2/tokenizer.json")));
        assertEquals(FileKind.GPT2_BPE, FileKind.of(SharedFiles.require("tokenizers/llama3.2-bpe/encoder.json")));
        assertEquals(FileKind.GPT2_BPE, FileKind.of(SharedFiles.require("tokenizers/llama3.2-bpe/vocab.bpe")));
        assertEquals(FileKind.HUGGING_FACE_FOLDER, FileKind.of(SharedFiles.require("models/hf-real/llama-tiny-random")));
    }

    @Test
    void oddFiles() throws Exception {
        assertEquals(FileKind.UNKNOWN, FileKind.of(dir)); // a folder without config.json
        assertEquals(FileKind.UNKNOWN, FileKind.of(dir.resolve("missing.gguf")));
        Path empty = Files.write(dir.resolve("empty.bin"), new byte[0]);
        assertEquals(FileKind.UNKNOWN, FileKind.of(empty));
        Path text = Files.writeString(dir.resolve("notes.bin"), "just some text that is not a model at all");
        assertEquals(FileKind.UNKNOWN, FileKind.of(text));
        // a GGUF whose name says otherwise is still a GGUF
        Path renamed = Files.copy(SharedFiles.require("models/stories260K/stories260K.gguf"), dir.resolve("model.bin"));
        assertEquals(FileKind.GGUF, FileKind.of(renamed));
    }

    /** A vocabulary passed where a model belongs is named as what it is. */
    @Test
    void aVocabularyIsNotAModel() {
        Path tok = SharedFiles.require("models/stories260K/tok512.model");
        var e = assertThrows(ModelFormatException.class, () -> ModelFiles.open(tok, null));
        assertTrue(e.getMessage().contains("this is a vocabulary (sentencepiece), not a model"), e.getMessage());
        assertEquals(1, e.getMessage().lines().count());
    }
}
