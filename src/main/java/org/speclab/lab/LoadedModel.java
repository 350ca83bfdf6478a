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
 * sweeps all start from, and the one place a vocabulary is paired with a model: one whose size is not
 * the model's embedding rows is refused ({@link #requireOneRowPerToken}).
 */
public record LoadedModel(ModelFile file, Tokenizer tokenizer, Transformer transformer) implements AutoCloseable {
    /** {@code tokenizer}: a tokenizer file to use instead of the model's own, or null. */
    public static LoadedModel open(Path model, Path tokenizer, int threads) {
        return open(model, tokenizer, threads, new CpuBackend());
    }

    /** The same on {@code backend} (see {@link DeviceChoice}). */
    public static LoadedModel open(Path model, Path tokenizer, int threads, org.speclab.engine.Backend backend) {
        return open(model, tokenizer, threads, backend, org.speclab.engine.CacheType.F32);
    }

    /** The same with caches that hold keys and values as {@code cache} (Backend#load). */
    public static LoadedModel open(Path model, Path tokenizer, int threads, org.speclab.engine.Backend backend, org.speclab.engine.CacheType cache) {
        ModelFile f = ModelFiles.open(model, tokenizer);
        try {
            Tokenizer tok = Tokenizers.fromMetadata(tokenizer != null ? tokenizer : model, f.metadata());
            requireOneRowPerToken(f, tok, tokenizer);
            Transformer t = backend.load(f, threads, cache);
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

    /**
     * One embedding row (and one classifier row) per token, checked before anything is loaded on a
     * device. More rows than tokens: the model could pick a token the vocabulary cannot print; fewer:
     * a prompt could hold a token that has no row. Both are refused, as llama.cpp's loader refuses a
     * token_embd.weight or output.weight whose rows are not its vocabulary's size (its converter pads
     * a short vocabulary with [PAD] tokens instead, so a GGUF that works there has them equal).
     */
    private static void requireOneRowPerToken(ModelFile f, Tokenizer tok, Path tokenizer) {
        org.speclab.model.ModelConfig c = org.speclab.model.ModelConfig.from(f); // output.weight has as many rows (checked there)
        if (tok.vocabSize() == c.vocabSize()) return;
        String vocabulary = tokenizer != null ? "the vocabulary of " + tokenizer : "its vocabulary (tokenizer.ggml.tokens)";
        throw new org.speclab.gguf.ModelFormatException(f.path(), "tensor token_embd.weight", c.vocabSize() + " rows"
                + (c.tiedClassifier() ? "" : " (and output.weight " + c.vocabSize() + ")") + ", but " + vocabulary + " has "
                + tok.vocabSize() + " tokens: a model needs one row per token");
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
