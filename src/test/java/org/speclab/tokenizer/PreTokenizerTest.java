package org.speclab.tokenizer;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;

import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

/** llama.cpp applies a pre-tokenizer's regexes one after another, each splitting what the last left. */
class PreTokenizerTest {
    private static List<String> split(String name, String text) {
        List<String> out = new ArrayList<>();
        PreTokenizer.byName(name).split(text, out);
        return out;
    }

    @Test
    void starcoderSplitsDigitsFirst() {
        assertEquals(List.of("x", " ", "1", "2", "3", " +", " y"), split("starcoder", "x 123 + y"));
        assertEquals(List.of("x", " 123", " +", " y"), split("gpt-2", "x 123 + y"));
    }

    @Test
    void llama3GroupsDigitsByThreeAndKeepsContractions() {
        assertEquals(List.of("I", "'M", " here", " ", "123", "45"), split("llama-bpe", "I'M here 12345"));
        assertEquals(List.of("I", "'M", " here", " ", "1", "2", "3"), split("qwen2", "I'M here 123"));
    }

    @Test
    void defaultSeparatesPunctuationAndDigitTriples() {
        assertEquals(List.of("Hello", ",", " world", "!!", " ", "123", "4"), split("default", "Hello, world!! 1234"));
    }

    @Test
    void unknownNamesAreUnknown() {
        assertNull(PreTokenizer.byName("martian"));
    }
}
