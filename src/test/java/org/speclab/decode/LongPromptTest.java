package org.speclab.decode;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.speclab.SharedFiles;
import org.speclab.engine.KvCache;
import org.speclab.lab.LoadedModel;

/** A prompt longer than one prefill chunk: the same tokens as one pass would give, and Stop seen between chunks. */
class LongPromptTest {
    static LoadedModel m;
    static int[] prompt;

    @BeforeAll
    static void load() {
        m = LoadedModel.open(SharedFiles.require("models/stories260K/stories260K.gguf"), null, 1);
        // 2½ chunks of a real story
        int[] story = m.prompt("Once upon a time, there was a little girl named Lily. She loved to play outside in the park. ".repeat(12), false, null);
        prompt = Arrays.copyOf(story, Generator.PREFILL_CHUNK * 5 / 2);
    }

    @AfterAll
    static void close() {
        m.close();
    }

    /** Greedy tokens after {@code prompt} with the whole prompt in one pass, then one position at a time. */
    private static List<Integer> reference(int n) {
        KvCache cache = m.transformer().newCache(prompt.length + n);
        List<Integer> out = new ArrayList<>();
        int next = m.transformer().forwardArgmax(cache, prompt, 0, 1)[0];
        for (int i = 0; i < n; i++) {
            out.add(next);
            next = m.transformer().forwardArgmax(cache, new int[] {next}, prompt.length + i, 1)[0];
        }
        return out;
    }

    private static List<Integer> generated(boolean speculative, int n) {
        List<Integer> out = new ArrayList<>();
        GenerationListener l = new GenerationListener() {
            @Override
            public void token(int id, String text, TokenKind kind) { if (kind != TokenKind.PROMPT && id >= 0) out.add(id); }
        };
        Sampler greedy = new Sampler(0f, 0, 1f, 1);
        if (speculative) new SpeculativeDecoder(m.transformer(), m.tokenizer(), new NGramLookup(3), 4, false).generate(prompt, n - 1, greedy, l);
        else new Generator(m.transformer(), m.tokenizer()).generate(prompt, n - 1, greedy, l);
        return out;
    }

    @Test
    void aPromptInChunksGivesTheTokensOfOnePass() {
        List<Integer> ref = reference(20);
        assertEquals(ref, generated(false, 20));
        assertEquals(ref, generated(true, 20));
    }

    @Test
    void stopActsBetweenChunksOfTheprompt() {
        for (boolean speculative : new boolean[] {false, true}) {
            int[] asked = new int[1];
            List<Integer> out = new ArrayList<>();
            // Stop pressed while the first chunk runs: seen before the second, nothing generated
            GenerationListener l = new GenerationListener() {
                @Override
                public void token(int id, String text, TokenKind kind) { if (kind != TokenKind.PROMPT) out.add(id); }

                @Override
                public boolean cancelled() { return ++asked[0] > 1; }
            };
            Sampler greedy = new Sampler(0f, 0, 1f, 1);
            GenerationStats st = speculative
                    ? new SpeculativeDecoder(m.transformer(), m.tokenizer(), new NGramLookup(3), 4, false).generate(prompt, 19, greedy, l).stats()
                    : new Generator(m.transformer(), m.tokenizer()).generate(prompt, 19, greedy, l);
            assertEquals("cancelled", st.stopReason());
            assertEquals(0, st.newTokens());
            assertArrayEquals(new int[0], out.stream().mapToInt(Integer::intValue).toArray());
        }
    }
}
