package org.speclab.cli;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.speclab.SharedFiles;
import org.speclab.chat.ChatTemplate;
import org.speclab.format.ModelFiles;
import org.speclab.gguf.GgufValue;
import org.speclab.gguf.GgufWriter;
import org.speclab.lab.LoadedModel;
import org.speclab.model.ModelFile;
import org.speclab.model.Tensor;

/** generate --chat wraps the prompt in the model's chat template; a model without one says so in one line. */
class ChatOptionTest {
    static final String TEMPLATE = "{{ bos_token }}{% for m in messages %}{{ m['role'] | upper }}: {{ m['content'] | trim }}\n{% endfor %}"
            + "{% if add_generation_prompt %}ASSISTANT:{% endif %}";

    /** stories260K with a chat template added to its metadata. */
    static Path withTemplate(Path dir) throws Exception {
        return withMetadata(dir.resolve("chat.gguf"), ChatTemplate.KEY, GgufValue.of(TEMPLATE));
    }

    /** stories260K with one metadata key added or replaced. */
    static Path withMetadata(Path out, String key, GgufValue value) throws Exception {
        try (ModelFile f = ModelFiles.open(SharedFiles.require("models/stories260K/stories260K.gguf"), null)) {
            List<GgufWriter.Entry> entries = new ArrayList<>();
            for (Tensor t : f.tensors().values()) entries.add(new GgufWriter.Entry(t.name(), t.shape(), t.type(), GgufWriter.Data.of(t.data())));
            Map<String, GgufValue> md = new LinkedHashMap<>(f.metadata());
            md.put(key, value);
            GgufWriter.write(out, md, entries);
        }
        return out;
    }

    @Test
    void chatWrapsThePromptInTheTemplate(@TempDir Path dir) throws Exception {
        Path m = withTemplate(dir);
        CliRun r = CliRun.of("generate", "-m", m.toString(), "--chat", "--system", "Tell a story.", "-p", " Once upon a time ", "-n", "5", "-t", "0");
        assertEquals(0, r.exitCode(), r.err());
        // the prompt is echoed as the model saw it: BOS is not printed, the rest is the rendered template
        assertTrue(r.out().startsWith("SYSTEM: Tell a story.\nUSER: Once upon a time\nASSISTANT:"), r.out());
        try (LoadedModel lm = LoadedModel.open(m, null, 1)) {
            int[] ids = lm.prompt("hi", true, null);
            // the template writes BOS itself: exactly one BOS, then the text as a plain prompt would tokenize it
            assertEquals(1, ids[0]);
            assertFalse(ids[1] == 1, "BOS doubled");
            assertArrayEquals(lm.tokenizer().encode("<s>USER: hi\nASSISTANT:", false, true), ids);
        }
    }

    /** A prompt gets BOS only where the model asks for it (tokenizer.ggml.add_bos_token), as in llama.cpp. */
    @Test
    void bosOnlyWhereTheModelWantsIt(@TempDir Path dir) throws Exception {
        Path noBos = withMetadata(dir.resolve("nobos.gguf"), "tokenizer.ggml.add_bos_token", GgufValue.ofBool(false));
        try (LoadedModel with = LoadedModel.open(SharedFiles.require("models/stories260K/stories260K.gguf"), null, 1);
             LoadedModel without = LoadedModel.open(noBos, null, 1)) {
            assertArrayEquals(new int[] {1, 403, 407, 261, 378}, with.prompt("Once upon a time", false, null));
            assertArrayEquals(new int[] {403, 407, 261, 378}, without.prompt("Once upon a time", false, null));
            assertArrayEquals(new int[] {1}, without.prompt("", false, null), "an empty prompt starts from BOS all the same");
        }
        // no BOS at all: an empty prompt has nothing to start from, and says so in one line
        Path noBosToken = withMetadata(dir.resolve("no-bos-token.gguf"), "tokenizer.ggml.bos_token_id", GgufValue.ofUInt32(-1));
        CliRun r = CliRun.of("generate", "-m", noBosToken.toString(), "-n", "3");
        assertEquals(1, r.exitCode());
        assertEquals("speclab: error: the prompt is empty and no-bos-token.gguf has no BOS token to start from", r.err().strip().lines().reduce((a, b) -> b).orElse(""));
    }

    @Test
    void aModelWithoutATemplateCannotChat() throws Exception {
        CliRun r = CliRun.of("generate", "-m", SharedFiles.require("models/stories260K/stories260K.gguf").toString(), "--chat", "-p", "hi", "-n", "3");
        assertEquals(1, r.exitCode());
        assertTrue(r.err().contains("stories260K.gguf has no chat template (tokenizer.chat_template)"), r.err());
        assertEquals(1, r.err().strip().lines().filter(l -> l.startsWith("speclab")).count(), r.err());
        CliRun s = CliRun.of("generate", "-m", SharedFiles.require("models/stories260K/stories260K.gguf").toString(), "--system", "x", "-p", "hi");
        assertEquals(1, s.exitCode());
        assertTrue(s.err().contains("--system needs --chat"), s.err());
    }

    @Test
    void huggingFaceTemplatesComeAlongOnConversion(@TempDir Path dir) throws Exception {
        // chat_template.jinja wins over tokenizer_config.json's, as transformers reads them
        Path folder = org.speclab.format.HuggingFaceRealCheckpointsTest.writeFolder("qwen2", dir, c -> {});
        Files.writeString(folder.resolve("tokenizer_config.json"), "{\"chat_template\": [{\"name\": \"default\", \"template\": \"A\"}, {\"name\": \"tool_use\", \"template\": \"B\"}]}");
        try (ModelFile f = ModelFiles.open(folder, null)) {
            assertEquals("A", f.metadata().get(ChatTemplate.KEY).value());
            assertEquals("B", f.metadata().get(ChatTemplate.KEY + ".tool_use").value());
        }
        Files.writeString(folder.resolve("chat_template.jinja"), "{{ messages[0]['content'] }}");
        try (ModelFile f = ModelFiles.open(folder, null)) {
            assertEquals("{{ messages[0]['content'] }}", f.metadata().get(ChatTemplate.KEY).value());
        }
    }
}
