package org.speclab.decode;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.speclab.engine.Candidates;
import org.speclab.engine.KvCache;
import org.speclab.engine.RandomModels;
import org.speclab.engine.Transformer;
import org.speclab.engine.cpu.CpuBackend;
import org.speclab.format.ModelFiles;
import org.speclab.gguf.GgmlType;
import org.speclab.model.ModelConfig;
import org.speclab.model.ModelFile;

/**
 * The decoders ask a model for no more than they use: greedy decoding (plain, draft and verify)
 * only for argmaxes, top-k sampling (plain and speculative) only for candidates, so that a GPU hands
 * back a few ints and floats instead of the vocabulary's logits. The tokens are those the whole logits give.
 */
class NarrowForwardTest {
    @TempDir
    Path dir;

    /** Counts what a model is asked for; forward() with outputs is the "whole logits" call. */
    static final class Counting implements Transformer {
        final Transformer inner;
        int whole, argmax, topK;
        /** Answers the narrow calls from whole logits (the interface's defaults), to compare against. */
        boolean wideOnly;

        Counting(Transformer inner) { this.inner = inner; }

        @Override public ModelConfig config() { return inner.config(); }
        @Override public KvCache newCache(int capacity) { return inner.newCache(capacity); }
        @Override public Transformer earlyExit(int layers) { return inner.earlyExit(layers); }
        @Override public long weightBytes() { return inner.weightBytes(); }
        @Override public String device() { return inner.device(); }
        @Override public void close() { inner.close(); }

        @Override
        public float[][] forward(KvCache cache, int[] tokens, int startPos, int outputs) {
            if (outputs > 0) whole++; // a prefill that asks for no logits is not a wide call
            return inner.forward(cache, tokens, startPos, outputs);
        }

        @Override
        public int[] forwardArgmax(KvCache cache, int[] tokens, int startPos, int outputs) {
            if (wideOnly) return Transformer.super.forwardArgmax(cache, tokens, startPos, outputs);
            argmax++;
            return inner.forwardArgmax(cache, tokens, startPos, outputs);
        }

        @Override
        public Candidates[] forwardTopK(KvCache cache, int[] tokens, int startPos, int outputs, float temperature, int k) {
            if (wideOnly) return Transformer.super.forwardTopK(cache, tokens, startPos, outputs, temperature, k);
            topK++;
            return inner.forwardTopK(cache, tokens, startPos, outputs, temperature, k);
        }
    }

    @Test
    void greedyAndTopKDecodingAskOnlyForWhatTheyUse() throws Exception {
        Path t = RandomModels.write(dir.resolve("t.gguf"), new RandomModels.Shape(48, 64, 2, 6, 2, 60, false, GgmlType.F32, 10000f), 21);
        Path d = RandomModels.write(dir.resolve("d.gguf"), new RandomModels.Shape(32, 48, 1, 4, 2, 60, true, GgmlType.F32, 10000f), 22);
        try (ModelFile tf = ModelFiles.open(t, null); ModelFile df = ModelFiles.open(d, null);
             Transformer tt = new CpuBackend().load(tf, 1); Transformer dt = new CpuBackend().load(df, 1)) {
            int[] p = {1, 5, 7};
            Counting target = new Counting(tt), draft = new Counting(dt);
            int[] greedy = RandomDecoding.greedy(target, p, 30);
            int[] spec = RandomDecoding.speculative(target, new DraftModel(draft, "d", 40), 3, p, 30, Sampler.greedy());
            assertArrayEquals(greedy, spec);
            Sampler topK = new Sampler(0.9f, 8, 0.95f, 5);
            int[] sampled = RandomDecoding.generate(target, p, 30, topK);
            // speculative sampling: the rejection test runs on the candidates' distributions
            int[] specSampled = RandomDecoding.speculative(target, new DraftModel(draft, "d", 40), 3, p, 30, new Sampler(0.9f, 8, 0.95f, 6));
            assertEquals(31, specSampled.length);
            assertEquals(0, target.whole, "whole logits asked for");
            assertEquals(0, draft.whole, "whole logits asked of the draft");
            assertTrue(target.argmax > 0 && draft.argmax > 0 && target.topK > 0 && draft.topK > 0);

            // the same runs from whole logits give the same tokens
            target.wideOnly = true;
            draft.wideOnly = true;
            assertArrayEquals(greedy, RandomDecoding.greedy(target, p, 30));
            assertArrayEquals(spec, RandomDecoding.speculative(target, new DraftModel(draft, "d", 40), 3, p, 30, Sampler.greedy()));
            assertArrayEquals(specSampled, RandomDecoding.speculative(target, new DraftModel(draft, "d", 40), 3, p, 30, new Sampler(0.9f, 8, 0.95f, 6)));
            Sampler again = new Sampler(0.9f, 8, 0.95f, 5);
            int[] wholeSampled = new int[sampled.length];
            // the plain sampler path on whole logits, token by token
            KvCache cache = tt.newCache(40);
            float[] logits = tt.forward(cache, p, 0, 1)[0];
            for (int i = 0; i < sampled.length; i++) {
                wholeSampled[i] = again.sample(logits);
                if (i + 1 < sampled.length) logits = tt.forward(cache, new int[] {wholeSampled[i]}, p.length + i, 1)[0];
            }
            assertArrayEquals(wholeSampled, sampled);
        }
    }
}
