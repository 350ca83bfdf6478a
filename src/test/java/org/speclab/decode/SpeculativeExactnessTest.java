package org.speclab.decode;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;
import org.junit.jupiter.params.provider.ValueSource;
import org.speclab.SharedFiles;
import org.speclab.engine.RandomModels;
import org.speclab.engine.Transformer;
import org.speclab.engine.cpu.CpuBackend;
import org.speclab.format.ModelFiles;
import org.speclab.gguf.GgmlType;
import org.speclab.model.ModelFile;
import org.speclab.tokenizer.Tokenizer;
import org.speclab.tokenizer.Tokenizers;

/** Greedy speculative output is the target's own greedy output, for every drafter and k. */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class SpeculativeExactnessTest {
    private ModelFile targetFile;
    private Transformer target;
    private Tokenizer tok;
    private int[] prompt;
    private List<Integer> reference;

    @BeforeAll
    void load() {
        targetFile = ModelFiles.open(SharedFiles.require("models/stories260K/stories260K.gguf"), null);
        target = new CpuBackend().load(targetFile, 2);
        tok = Tokenizers.fromMetadata(targetFile.path(), targetFile.metadata());
        prompt = tok.encode("Once upon a time", true);
        reference = tokens(null, 0, Sampler.greedy());
    }

    @AfterAll
    void close() {
        target.close();
        targetFile.close();
    }

    static final int POSITIONS = 120;

    private List<Integer> tokens(Drafter drafter, int k, Sampler sampler) {
        List<Integer> out = new ArrayList<>();
        GenerationListener l = new GenerationListener() {
            @Override
            public void token(int id, String text, TokenKind kind) {
                if (kind != TokenKind.PROMPT && id >= 0) out.add(id);
            }
        };
        if (drafter == null) new Generator(target, tok).generate(prompt, POSITIONS, sampler, l);
        else new SpeculativeDecoder(target, tok, drafter, k, false).generate(prompt, POSITIONS, sampler, l);
        return out;
    }

    @Test
    void aDrafterUsedAgainReportsOnlyThisRunsReads() {
        // the CLI's warm-up and samples, and the lab's warm-up, reuse one drafter
        Path p = SharedFiles.require("models/stories-draft-distilled/draft.gguf");
        try (ModelFile f = ModelFiles.open(p, null); Transformer d = new CpuBackend().load(f, 1)) {
            var drafter = new DraftModel(d, "draft", prompt.length + POSITIONS);
            var spec = new SpeculativeDecoder(target, tok, drafter, 4, false);
            long first = spec.generate(prompt, POSITIONS, Sampler.greedy(), GenerationListener.NONE).stats().bytesRead();
            long second = spec.generate(prompt, POSITIONS, Sampler.greedy(), GenerationListener.NONE).stats().bytesRead();
            assertEquals(first, second);
            assertTrue(first > 0);
        }
    }

    @ParameterizedTest(name = "draft {0}")
    @ValueSource(strings = {"stories260K-draft/stories260K-L3.gguf", "stories260K-draft/stories260K-L4.gguf",
            "stories-draft-distilled/draft.gguf", "stories-draft-distilled/draft.bin"})
    void draftModelsForEveryK(String draft) {
        Path p = SharedFiles.require("models/" + draft);
        try (ModelFile f = ModelFiles.open(p, p.toString().endsWith(".bin") ? SharedFiles.require("models/stories260K/tok512.bin") : null);
             Transformer d = new CpuBackend().load(f, 1)) {
            for (int k = 1; k <= 8; k++) {
                assertEquals(reference, tokens(new DraftModel(d, draft, prompt.length + POSITIONS), k, Sampler.greedy()), "k=" + k);
            }
        }
    }

    @Test
    void ngramLookupForEveryK() {
        for (int n = 1; n <= 3; n++) {
            for (int k = 1; k <= 8; k++) assertEquals(reference, tokens(new NGramLookup(n), k, Sampler.greedy()), "n=" + n + " k=" + k);
        }
    }

    @Test
    void earlyExitForEveryK() {
        for (int layers = 1; layers <= 4; layers++) {
            for (int k = 1; k <= 8; k++) {
                try (EarlyExit e = new EarlyExit(target, layers, prompt.length + POSITIONS)) {
                    assertEquals(reference, tokens(e, k, Sampler.greedy()), "layers=" + layers + " k=" + k);
                }
            }
        }
    }

    /**
     * Stop pressed while a draft model drafts acts at its next forward pass: with k = 8, a stop asked
     * for after the step began leaves at most the passes already run, and no verify pass follows.
     */
    @Test
    void stopActsBetweenDraftPasses() {
        try (EarlyExit e = new EarlyExit(target, 3, prompt.length + POSITIONS)) {
            java.util.concurrent.atomic.AtomicInteger polls = new java.util.concurrent.atomic.AtomicInteger();
            List<Integer> out = new ArrayList<>();
            var r = new SpeculativeDecoder(target, tok, e, 8, false).generate(prompt, POSITIONS, Sampler.greedy(), new GenerationListener() {
                @Override
                public void token(int id, String text, TokenKind kind) {
                    if (kind != TokenKind.PROMPT && id >= 0) out.add(id);
                }

                @Override
                public boolean cancelled() { return polls.incrementAndGet() > 4; } // after the prompt's, the step's own poll, then two draft passes
            });
            assertEquals("cancelled", r.stats().stopReason());
            long draftPasses = e.bytesRead() / target.earlyExit(3).weightBytes();
            assertEquals(3, draftPasses, "draft passes run before the stop took effect");
            assertEquals(List.of(), out, "no verify pass, so no token, after a stop during the first draft");
        }
    }

    @Test
    void adaptiveKKeepsTheOutput() {
        try (EarlyExit e = new EarlyExit(target, 4, prompt.length + POSITIONS)) {
            List<Integer> out = new ArrayList<>();
            new SpeculativeDecoder(target, tok, e, 4, true).generate(prompt, POSITIONS, Sampler.greedy(), new GenerationListener() {
                @Override
                public void token(int id, String text, TokenKind kind) {
                    if (kind != TokenKind.PROMPT && id >= 0) out.add(id);
                }
            });
            assertEquals(reference, out);
        }
    }

    @Test
    void eventsTellWhereEachTokenCameFrom() {
        List<TokenKind> kinds = new ArrayList<>();
        int[] steps = {0, 0, 0};
        var r = new SpeculativeDecoder(target, tok, new NGramLookup(2), 4, false).generate(prompt, POSITIONS, Sampler.greedy(), new GenerationListener() {
            @Override
            public void token(int id, String text, TokenKind kind) {
                if (id >= 0) kinds.add(kind);
            }

            @Override
            public void step(int drafted, int accepted) {
                steps[0]++;
                steps[1] += drafted;
                steps[2] += accepted;
            }
        });
        assertEquals(prompt.length, kinds.stream().filter(k -> k == TokenKind.PROMPT).count());
        assertEquals(r.speculation().accepted(), kinds.stream().filter(k -> k == TokenKind.ACCEPTED_DRAFT).count());
        assertEquals(steps[1], r.speculation().drafted());
        assertEquals(steps[2], r.speculation().accepted());
        assertEquals(reference.size(), kinds.size() - prompt.length);
        assertEquals(steps[0], r.speculation().steps());
        assertTrue(r.speculation().meanAccepted() >= 0);
    }

    /** Random targets and drafts of every weight type: exactness does not depend on the model. */
    @ParameterizedTest
    @EnumSource(value = GgmlType.class, names = {"F32", "F16", "BF16"})
    void randomModelsOfEveryType(GgmlType type, @TempDir Path dir) throws Exception {
        Path t = RandomModels.write(dir.resolve("t.gguf"), new RandomModels.Shape(48, 64, 3, 6, 2, 40, false, type, 10000f), 11);
        Path d = RandomModels.write(dir.resolve("d.gguf"), new RandomModels.Shape(32, 48, 1, 4, 2, 40, true, type, 10000f), 12);
        try (ModelFile tf = ModelFiles.open(t, null); ModelFile df = ModelFiles.open(d, null);
             Transformer tt = new CpuBackend().load(tf, 2); Transformer dt = new CpuBackend().load(df, 1)) {
            int[] p = {1, 5, 7};
            for (int k = 1; k <= 6; k++) {
                int[] plain = RandomDecoding.greedy(tt, p, 40);
                int[] spec = RandomDecoding.speculative(tt, new DraftModel(dt, "d", 60), k, p, 40, Sampler.greedy());
                assertArrayEquals(plain, spec, "k=" + k);
                int[] self = RandomDecoding.speculative(tt, new EarlyExit(tt, 1, 60), k, p, 40, Sampler.greedy());
                assertArrayEquals(plain, self, "early exit k=" + k);
            }
        }
    }

    /** The block formats on 256-wide random models (a K-quant super-block per row), every drafter, k 1..8. */
    @ParameterizedTest
    @EnumSource(value = GgmlType.class, names = {"Q8_0", "Q4_0", "Q4_1", "Q4_K", "Q6_K"})
    void randomQuantizedModels(GgmlType type, @TempDir Path dir) throws Exception {
        Path t = RandomModels.write(dir.resolve("t.gguf"), new RandomModels.Shape(256, 512, 2, 4, 2, 48, false, type, 10000f), 13);
        Path d = RandomModels.write(dir.resolve("d.gguf"), new RandomModels.Shape(256, 256, 1, 4, 2, 48, true, type, 10000f), 14);
        try (ModelFile tf = ModelFiles.open(t, null); ModelFile df = ModelFiles.open(d, null);
             Transformer tt = new CpuBackend().load(tf, 2); Transformer dt = new CpuBackend().load(df, 1)) {
            int[] p = {1, 5, 7, 5, 7};
            int[] plain = RandomDecoding.greedy(tt, p, 30);
            for (int k = 1; k <= 8; k++) {
                assertArrayEquals(plain, RandomDecoding.speculative(tt, new DraftModel(dt, "d", 50), k, p, 30, Sampler.greedy()), "draft k=" + k);
                assertArrayEquals(plain, RandomDecoding.speculative(tt, new EarlyExit(tt, 1, 50), k, p, 30, Sampler.greedy()), "early exit k=" + k);
                assertArrayEquals(plain, RandomDecoding.speculative(tt, new NGramLookup(2), k, p, 30, Sampler.greedy()), "n-gram k=" + k);
            }
        }
    }
}
