package org.speclab.chat;

import com.hubspot.jinjava.Jinjava;
import com.hubspot.jinjava.interpret.RenderResult;
import com.hubspot.jinjava.interpret.TemplateError;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.speclab.gguf.GgufValue;
import org.speclab.gguf.ModelFormatException;
import org.speclab.tokenizer.Tokenizer;

/**
 * An instruct model's chat template ({@code tokenizer.chat_template}: Jinja, as Hugging Face's
 * {@code tokenizer_config.json} carries it and llama.cpp's converter copies it into GGUF), rendered
 * as transformers' {@code apply_chat_template} renders it: trim_blocks and lstrip_blocks on,
 * {@code messages}, {@code add_generation_prompt}, {@code bos_token} and {@code eos_token} bound,
 * {@code tools} none, {@code raise_exception} and {@code strftime_now} defined. The Jinja engine is
 * HubSpot's Jinjava with the Python semantics these templates rely on (see {@link PythonJinja}, {@link TemplateRewrite}).
 */
public final class ChatTemplate {
    public static final String KEY = "tokenizer.chat_template";

    /** One turn of a conversation: role "system", "user" or "assistant" (the template decides which it accepts). */
    public record Message(String role, String content) {}

    /** One engine for every template: Jinjava's renderer is safe to share between threads. */
    private static final Jinjava JINJA = PythonJinja.create();

    private final Path file;
    private final String prepared;
    private final String bosToken, eosToken;

    private ChatTemplate(Path file, String source, String bosToken, String eosToken) {
        this.file = file;
        this.prepared = TemplateRewrite.preprocess(source);
        this.bosToken = bosToken;
        this.eosToken = eosToken;
    }

    /** The model's template, or null when its metadata carries none. */
    public static ChatTemplate of(Path file, Map<String, GgufValue> metadata, Tokenizer tokenizer) {
        GgufValue v = metadata.get(KEY);
        if (v == null) return null;
        if (!(v.value() instanceof String s)) throw new ModelFormatException(file, KEY, "expected a string, found " + v.type());
        return of(file, s, tokenizer);
    }

    /** A template given as text; the BOS and EOS pieces come from {@code tokenizer} (left unbound where it has none). */
    public static ChatTemplate of(Path file, String source, Tokenizer tokenizer) {
        String bos = tokenizer != null && tokenizer.bos() >= 0 ? tokenizer.piece(tokenizer.bos()) : null;
        String eos = tokenizer != null && tokenizer.eos() >= 0 ? tokenizer.piece(tokenizer.eos()) : null;
        return new ChatTemplate(file, source, bos, eos);
    }

    /** A template given as text, with the BOS and EOS pieces it is to see (null: unbound). */
    public static ChatTemplate of(Path file, String source, String bosToken, String eosToken) {
        return new ChatTemplate(file, source, bosToken, eosToken);
    }

    /** The BOS piece the template is given, or null. */
    public String bosToken() { return bosToken; }

    /**
     * The conversation as the model expects it, ending with the assistant's opening when
     * {@code addGenerationPrompt}. A template error, or a template that refuses the conversation
     * ({@code raise_exception}, e.g. roles that do not alternate), is one line naming the file.
     */
    public String render(List<Message> messages, boolean addGenerationPrompt) {
        List<Map<String, Object>> list = new ArrayList<>();
        for (Message m : messages) {
            Map<String, Object> e = new LinkedHashMap<>();
            e.put("role", m.role());
            e.put("content", m.content());
            list.add(e);
        }
        Map<String, Object> bindings = new HashMap<>();
        bindings.put("messages", list);
        bindings.put("add_generation_prompt", addGenerationPrompt);
        bindings.put("tools", null);
        bindings.put("documents", null);
        if (bosToken != null) bindings.put("bos_token", bosToken);
        if (eosToken != null) bindings.put("eos_token", eosToken);
        RenderResult r;
        try {
            r = JINJA.renderForResult(prepared, bindings);
        } catch (RuntimeException e) {
            throw new ModelFormatException(file, KEY, "the chat template cannot be rendered: " + e.getMessage());
        }
        for (TemplateError te : r.getErrors()) {
            if (te.getSeverity() != TemplateError.ErrorType.FATAL) continue; // unknown names print as nothing, as in jinja2
            Throwable t = te.getException();
            while (t != null && !(t instanceof PythonJinja.ChatTemplateException)) t = t.getCause();
            if (t != null) throw new IllegalArgumentException(file.getFileName() + "'s chat template refuses this conversation: " + t.getMessage());
            throw new ModelFormatException(file, KEY, "the chat template cannot be rendered: " + te.getMessage()
                    + (te.getLineno() > 0 ? " (template line " + te.getLineno() + ")" : ""));
        }
        return r.getOutput();
    }
}
