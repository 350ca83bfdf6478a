package org.speclab.jobs;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.nio.file.Path;
import java.util.Locale;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

class JobTextsTest {
    @AfterEach
    void backToEnglish() {
        JobTexts.use(Locale.ROOT);
    }

    @Test
    void titlesFollowTheLabsLanguageAndStayEnglishOtherwise() {
        var job = new QuantizeJob(Path.of("m.gguf"), Path.of("m-q8.gguf"), QuantType.Q8_0, false, false);
        assertEquals("quantize m.gguf → m-q8.gguf (Q8_0)", job.title());
        JobTexts.use(Locale.SIMPLIFIED_CHINESE);
        assertEquals("量化 m.gguf → m-q8.gguf（Q8_0）", job.title());
        assertEquals("正在量化张量 3/90", JobTexts.t("progress.quantizing", 3, 90));
        JobTexts.use(Locale.ENGLISH);
        assertEquals("quantizing 3/90 tensors", JobTexts.t("progress.quantizing", 3, 90));
    }

    @Test
    void everyKeyIsTranslated() throws Exception {
        var en = new java.util.Properties();
        var zh = new java.util.Properties();
        try (var a = JobTexts.class.getResourceAsStream("messages.properties");
             var b = JobTexts.class.getResourceAsStream("messages_zh_CN.properties")) {
            en.load(new java.io.InputStreamReader(a, java.nio.charset.StandardCharsets.UTF_8));
            zh.load(new java.io.InputStreamReader(b, java.nio.charset.StandardCharsets.UTF_8));
        }
        assertEquals(en.keySet(), zh.keySet());
    }
}
