package org.speclab.lab;

import java.nio.file.Path;
import org.speclab.engine.Transformer;
import org.speclab.engine.cpu.CpuBackend;
import org.speclab.format.ModelFiles;
import org.speclab.model.ModelFile;
import org.speclab.tokenizer.Tokenizer;
import org.speclab.tokenizer.Tokenizers;

/**
 * A model file opened with its tokenizer and loaded on a device: what the CLI, the lab's runs and
 * sweeps all start from. A tokenizer whose vocabulary and the model's embedding differ in size is refused.
 */
public record LoadedModel(ModelFile file, Tokenizer tokenizer, Transformer transformer) implements AutoCloseable {
    /** {@code tokenizer}: a tokenizer file to use instead of the model's own, or null. */
    public static LoadedModel open(Path model, Path tokenizer, int threads) {
        return open(model, tokenizer, threads, new CpuBackend());
    }

    /** The same on {@code backend} (see {@link DeviceChoice}). */
    public static LoadedModel open(Path model, Path tokenizer, int threads, org.speclab.engine.Backend backend) {
        ModelFile f = ModelFiles.open(model, tokenizer);
        try {
            Tokenizer tok = Tokenizers.fromMetadata(tokenizer != null ? tokenizer : model, f.metadata());
            Transformer t = backend.load(f, threads);
            if (tok.vocabSize() > t.config().vocabSize()) {
                throw new org.speclab.gguf.ModelFormatException(model, "tokenizer.ggml.tokens",
                        "vocabulary has " + tok.vocabSize() + " tokens but the model's embedding only " + t.config().vocabSize());
            }
            if (tok.vocabSize() < t.config().vocabSize()) {
                // as llama.cpp refuses it: the model could pick a token the vocabulary cannot print
                throw new org.speclab.gguf.ModelFormatException(model, "tokenizer.ggml.tokens",
                        "vocabulary has only " + tok.vocabSize() + " tokens but the model's embedding has " + t.config().vocabSize() + " rows");
            }
            return new LoadedModel(f, tok, t);
        } catch (RuntimeException e) {
            f.close();
            throw e;
        }
    }

    /**
     * A draft and its target must share a vocabulary, piece for piece: the draft's token ids are the
     * target's. One line naming both files and the first difference otherwise.
     */
    public static void requireSameVocabulary(LoadedModel target, LoadedModel draft) {
        Tokenizer t = target.tokenizer(), d = draft.tokenizer();
        String both = "draft " + draft.file().path().getFileName() + " and target " + target.file().path().getFileName() + " do not share a vocabulary";
        if (t.vocabSize() != d.vocabSize()) throw new IllegalArgumentException(both + " (" + d.vocabSize() + " vs " + t.vocabSize() + " tokens)");
        for (int i = 0; i < t.vocabSize(); i++) {
            if (!t.piece(i).equals(d.piece(i))) {
                throw new IllegalArgumentException(both + " (token " + i + " is '" + d.piece(i) + "' in the draft, '" + t.piece(i) + "' in the target)");
            }
        }
    }

    /** The model's chat template, or null when it has none. */
    public org.speclab.chat.ChatTemplate chatTemplate() {
        return org.speclab.chat.ChatTemplate.of(file.path(), file.metadata(), tokenizer);
    }

    /**
     * A prompt's token ids, BOS first where the model wants it (tokenizer.ggml.add_bos_token, as
     * llama.cpp). With {@code chat}, the prompt becomes one user turn (after a system turn when
     * {@code system} is not blank) in the model's chat template, the assistant's turn opened; a BOS
     * the template writes itself is not doubled. A model without a template cannot chat, and an empty
     * prompt for a model without BOS has nothing to start from: one line each.
     */
    public int[] prompt(String text, boolean chat, String system) {
        int[] ids = chat ? chatPrompt(text, system) : tokenizer.encodePrompt(text);
        if (ids.length == 0) throw new IllegalArgumentException("the prompt is empty and " + file.path().getFileName() + " has no BOS token to start from");
        return ids;
    }

    private int[] chatPrompt(String text, String system) {
        org.speclab.chat.ChatTemplate t = chatTemplate();
        if (t == null) {
            throw new IllegalArgumentException(file.path().getFileName() + " has no chat template (tokenizer.chat_template): it is not an instruct model; run without chat");
        }
        java.util.List<org.speclab.chat.ChatTemplate.Message> turns = new java.util.ArrayList<>();
        if (system != null && !system.isBlank()) turns.add(new org.speclab.chat.ChatTemplate.Message("system", system));
        turns.add(new org.speclab.chat.ChatTemplate.Message("user", text));
        String rendered = t.render(turns, true);
        if (t.bosToken() != null && rendered.startsWith(t.bosToken())) return tokenizer.encode(rendered, false, true);
        return tokenizer.encodePrompt(rendered);
    }

    @Override
    public void close() {
        transformer.close();
        file.close();
    }
}
