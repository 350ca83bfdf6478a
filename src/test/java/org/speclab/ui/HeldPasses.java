package org.speclab.ui;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import org.speclab.engine.Backend;
import org.speclab.engine.Candidates;
import org.speclab.engine.DeviceGauges;
import org.speclab.engine.KvCache;
import org.speclab.engine.Transformer;
import org.speclab.lab.Protocol;
import org.speclab.model.ModelConfig;
import org.speclab.model.ModelFile;

/**
 * A {@link RunSession.Probe} that holds one forward pass of the measured speculative run (not the warm-up, not the
 * target alone) until the test lets it go: the {@code nth} pass of one kind. The test presses Stop while the pass is
 * held, so the stop lands inside that phase on any host, however fast or loaded.
 */
final class HeldPasses implements RunSession.Probe {
    /** What a pass does in a speculative run: the target reads the prompt, the draft proposes, the target verifies. */
    enum Pass { PREFILL, DRAFT, VERIFY }

    private final Pass pass;
    private final int nth;
    private final Path draftFile;
    private final CountDownLatch held = new CountDownLatch(1), released = new CountDownLatch(1);
    /** The measured run's passes in order, and where the held one is among them. */
    private final List<Pass> passes = Collections.synchronizedList(new ArrayList<>());
    private volatile int heldAt = -1;
    private volatile boolean measured;
    private int seen;

    /** Holds the {@code nth} (from 1) pass of kind {@code pass}; passes of {@code draftFile}'s model are drafts. */
    HeldPasses(Pass pass, int nth, Path draftFile) {
        this.pass = pass;
        this.nth = nth;
        this.draftFile = draftFile;
    }

    @Override
    public Backend engine(Backend chosen) {
        return new Backend() {
            @Override
            public String name() { return chosen.name(); }

            @Override
            public Transformer load(ModelFile model, int threads) {
                return new Holding(chosen.load(model, threads), model.path().equals(draftFile));
            }
        };
    }

    @Override
    public void phase(Protocol.Phase phase, int repeat) {
        measured = phase == Protocol.Phase.RUN && repeat == 0;
    }

    /** Waits until the pass is held (false: the run never got there). */
    boolean awaitHeld(long seconds) throws InterruptedException { return held.await(seconds, TimeUnit.SECONDS); }

    void release() { released.countDown(); }

    /** The measured run's passes after the held one. */
    List<Pass> after() {
        synchronized (passes) {
            return List.copyOf(passes.subList(heldAt + 1, passes.size()));
        }
    }

    private void before(boolean draft, int outputs) {
        if (!measured) return;
        Pass p = draft ? Pass.DRAFT : outputs == 0 ? Pass.PREFILL : Pass.VERIFY;
        boolean hold;
        synchronized (passes) {
            passes.add(p);
            hold = p == pass && ++seen == nth;
            if (hold) heldAt = passes.size() - 1;
        }
        if (!hold) return;
        held.countDown();
        try {
            if (!released.await(60, TimeUnit.SECONDS)) throw new IllegalStateException("the test never let the held " + p + " pass go");
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    /** The engine as it is, each pass announced first. */
    private final class Holding implements Transformer {
        private final Transformer t;
        private final boolean draft;

        Holding(Transformer t, boolean draft) {
            this.t = t;
            this.draft = draft;
        }

        @Override
        public ModelConfig config() { return t.config(); }

        @Override
        public KvCache newCache(int capacity) { return t.newCache(capacity); }

        @Override
        public float[][] forward(KvCache cache, int[] tokens, int startPos, int outputs) {
            before(draft, outputs);
            return t.forward(cache, tokens, startPos, outputs);
        }

        @Override
        public int[] forwardArgmax(KvCache cache, int[] tokens, int startPos, int outputs) {
            before(draft, outputs);
            return t.forwardArgmax(cache, tokens, startPos, outputs);
        }

        @Override
        public Candidates[] forwardTopK(KvCache cache, int[] tokens, int startPos, int outputs, float temperature, int topK) {
            before(draft, outputs);
            return t.forwardTopK(cache, tokens, startPos, outputs, temperature, topK);
        }

        @Override
        public Transformer earlyExit(int layers) { return t.earlyExit(layers); }

        @Override
        public long weightBytes() { return t.weightBytes(); }

        @Override
        public String device() { return t.device(); }

        @Override
        public String kernels() { return t.kernels(); }

        @Override
        public DeviceGauges gauges() { return t.gauges(); }

        @Override
        public void close() { t.close(); }
    }
}
