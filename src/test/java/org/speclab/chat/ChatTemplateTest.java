package org.speclab.chat;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Clock;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.DynamicTest;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestFactory;
import org.speclab.gguf.ModelFormatException;

/**
 * Chat templates render as transformers' apply_chat_template renders them with Python's jinja2: the
 * four templates beside this test (written for it, each using the constructs real templates use:
 * namespace(), reversed and filtered loops, string methods, "not … is defined", raise_exception,
 * strftime_now, |trim, |tojson, whitespace control) against the output of jinja2 3.1 that
 * {@code render_expected.py} wrote into {@code expected.json}, for every conversation there.
 */
class ChatTemplateTest {
    static String resource(String name) throws Exception {
        try (InputStream in = ChatTemplateTest.class.getResourceAsStream(name)) {
            return new String(in.readAllBytes(), StandardCharsets.UTF_8);
        }
    }

    @TestFactory
    Stream<DynamicTest> rendersAsJinja2() throws Exception {
        JsonNode all = new ObjectMapper().readTree(resource("expected.json"));
        PythonJinja.clock = Clock.fixed(java.time.LocalDate.of(2026, 12, 2).atStartOfDay().toInstant(ZoneOffset.UTC), ZoneOffset.UTC);
        List<DynamicTest> tests = new ArrayList<>();
        for (var t = all.path("expected").fields(); t.hasNext(); ) {
            var template = t.next();
            String name = template.getKey();
            ChatTemplate ct = ChatTemplate.of(Path.of(name + ".jinja"), resource(name + ".jinja"),
                    all.path("bos").path(name).asText(null), all.path("eos").path(name).asText(null));
            for (var c = template.getValue().fields(); c.hasNext(); ) {
                var conv = c.next();
                boolean gen = !conv.getKey().endsWith("-nogen");
                List<ChatTemplate.Message> messages = new ArrayList<>();
                for (JsonNode m : all.path("conversations").path(conv.getKey().replace("-nogen", ""))) {
                    messages.add(new ChatTemplate.Message(m.path("role").asText(), m.path("content").asText()));
                }
                JsonNode want = conv.getValue();
                tests.add(DynamicTest.dynamicTest(name + " " + conv.getKey(), () -> {
                    if (want.has("error")) {
                        var e = assertThrows(IllegalArgumentException.class, () -> ct.render(messages, gen));
                        assertEquals(name + ".jinja's chat template refuses this conversation: " + want.path("error").asText(), e.getMessage());
                    } else {
                        assertEquals(want.path("out").asText(), ct.render(messages, gen));
                    }
                }));
            }
        }
        return tests.stream();
    }

    @Test
    void aBrokenTemplateIsOneLineNamingTheFile() {
        ChatTemplate t = ChatTemplate.of(Path.of("m.gguf"), "{% for m in messages %}{{ m.content }", null, null);
        var e = assertThrows(ModelFormatException.class, () -> t.render(List.of(new ChatTemplate.Message("user", "hi")), true));
        assertTrue(e.getMessage().contains("m.gguf") && e.getMessage().contains("tokenizer.chat_template"), e.getMessage());
        assertFalse(e.getMessage().contains("\n"), e.getMessage());
    }

    @Test
    void userTextIsNeverRenderedAsTemplate() {
        ChatTemplate t = ChatTemplate.of(Path.of("m.gguf"), "{% for m in messages %}[{{ m.content }}]{% endfor %}", null, null);
        assertEquals("[{{ 7*7 }}{% if true %}x{% endif %}]", t.render(List.of(new ChatTemplate.Message("user", "{{ 7*7 }}{% if true %}x{% endif %}")), false));
    }
}
