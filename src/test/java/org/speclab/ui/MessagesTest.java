package org.speclab.ui;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.text.MessageFormat;
import java.util.Properties;
import java.util.TreeSet;
import org.junit.jupiter.api.Test;

/** The lab's texts: every key in both languages, with the same placeholders, each a valid MessageFormat. */
class MessagesTest {
    @Test
    void bothLanguagesHaveEveryTextWithTheSamePlaceholders() throws Exception {
        Properties en = load("messages.properties"), zh = load("messages_zh_CN.properties");
        assertEquals(new TreeSet<>(en.stringPropertyNames()), new TreeSet<>(zh.stringPropertyNames()));
        for (String key : en.stringPropertyNames()) {
            String a = en.getProperty(key), b = zh.getProperty(key);
            assertEquals(placeholders(a), placeholders(b), key + ": " + a + " / " + b);
            new MessageFormat(a); // throws on a malformed pattern
            new MessageFormat(b);
            assertTrue(!b.isBlank(), key);
        }
    }

    private static TreeSet<String> placeholders(String s) {
        TreeSet<String> p = new TreeSet<>();
        var m = java.util.regex.Pattern.compile("\\{(\\d+)").matcher(s);
        while (m.find()) p.add(m.group(1));
        return p;
    }

    private static Properties load(String name) throws Exception {
        Properties p = new Properties();
        try (var in = MessagesTest.class.getResourceAsStream(name)) {
            p.load(new InputStreamReader(in, StandardCharsets.UTF_8));
        }
        return p;
    }
}
