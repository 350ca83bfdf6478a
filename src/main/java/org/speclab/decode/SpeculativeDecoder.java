package org.speclab.decode;

import java.util.Arrays;
import org.speclab.engine.Candidates;
import org.speclab.engine.KvCache;
import org.speclab.engine.Transformer;
import org.speclab.tokenizer.TextStream;
import org.speclab.tokenizer.Tokenizer;

/**
 * Speculative decoding (Leviathan et al. 2023; Chen et al. 2023): a drafter proposes k tokens, the
 * target scores all of them in one forward pass over k+1 positions, and the longest acceptable
 * prefix is kept. At temperature 0 a draft token is accepted while it equals the target's argmax,
 * so the output is exactly the target's own greedy output. Above 0, a token x drawn from the draft
 * distribution p is accepted with probability min(1, q(x)/p(x)); the first rejection is replaced by
 * a sample of normalize(max(q − p, 0)), so the output is distributed exactly as the target's.
 */
public final class SpeculativeDecoder {
    private final Transformer target;
    private final Tokenizer tokenizer;
    private final Drafter drafter;
    private final int fixedK;
    private final boolean adaptive;
    private final AcceptanceRule rule;

    /** The sampling rule; a seam so tests can show that a wrong rule changes the output distribution. */
    interface AcceptanceRule {
        double acceptProbability(float q, float p);

        Distribution residualDistribution(Distribution q, Drafter.Proposal draft, int i);

        AcceptanceRule EXACT = new AcceptanceRule() {
            @Override
            public double acceptProbability(float q, float p) { return SpeculativeDecoder.acceptProbability(q, p); }

            @Override
            public Distribution residualDistribution(Distribution q, Drafter.Proposal draft, int i) { return SpeculativeDecoder.residualDistribution(q, draft, i); }
        };
    }

    /** @param k draft tokens per step; with {@code adaptive}, the starting k, then chosen by Theorem 3.8 */
    public SpeculativeDecoder(Transformer target, Tokenizer tokenizer, Drafter drafter, int k, boolean adaptive) {
        this(target, tokenizer, drafter, k, adaptive, AcceptanceRule.EXACT);
    }

    SpeculativeDecoder(Transformer target, Tokenizer tokenizer, Drafter drafter, int k, boolean adaptive, AcceptanceRule rule) {
        this.rule = rule;
        if (k < SpeedupModel.MIN_K || k > SpeedupModel.MAX_K) throw new IllegalArgumentException("-k must be between 1 and 16, found " + k);
        this.target = target;
        this.tokenizer = tokenizer;
        this.drafter = drafter;
        this.fixedK = k;
        this.adaptive = adaptive;
    }

    /** Same contract as {@link Generator#generate}: identical stopping rules and token budget. */
    public Result generate(int[] prompt, int positions, Sampler sampler, GenerationListener listener) {
        if (prompt.length == 0) throw new IllegalArgumentException("the prompt must hold at least one token (BOS)");
        long draftBytesBefore = drafter.bytesRead(); // a drafter counts over its life; this run reports its own reads
        TextStream text = new TextStream(tokenizer);
        for (int t : prompt) listener.token(t, text.next(t), TokenKind.PROMPT);
        int budget = positions + 1; // tokens this run may emit, as Generator
        int[] context = Arrays.copyOf(prompt, prompt.length + budget + SpeedupModel.MAX_K + 1);
        int length = prompt.length;
        KvCache cache = target.newCache(prompt.length + positions);
        long t0 = System.nanoTime();
        // the target's cache holds every token but the last; the prompt's last token is fed with the first draft
        // (a long prompt in chunks, Stop seen between them)
        int tail = Generator.prefill(target, cache, prompt, 1, listener);
        if (tail >= 0 && prompt.length - 1 > tail) target.forward(cache, Arrays.copyOfRange(prompt, tail, prompt.length - 1), tail, 0);
        long t1 = System.nanoTime();

        long[] counts = new long[SpeedupModel.MAX_K + 1];
        long drafted = 0, accepted = 0, rejections = 0, passes = 0, firstToken = -1;
        VerifyCost verifyCost = new VerifyCost();
        AcceptanceByDepth depths = new AcceptanceByDepth();
        int generated = 0, k = fixedK, maxK = fixedK;
        String stop = "length";
        steps:
        while (generated < budget) {
            if (listener.cancelled()) {
                stop = "cancelled";
                break;
            }
            // adaptive: the first passes try k = 1..4 so the verify cost can be fitted, then Theorem 3.8 picks k
            if (adaptive) {
                SpeculationStats now = stats(counts, drafted, accepted, rejections, verifyCost, k, true);
                k = passes < 4 ? (int) passes + 1 : chooseK(depths, now.alpha(), now.costRatio(), now.decodeSeconds(), verifyCost);
            }
            maxK = Math.max(maxK, k);
            // never draft past the budget: a step emits at most (drafted + 1) tokens
            int want = Math.min(k, budget - generated - 1);
            Drafter.Proposal draft = want > 0 ? drafter.propose(context, length, want, sampler, listener::cancelled) : Drafter.Proposal.EMPTY;
            if (listener.cancelled()) { // Stop pressed while drafting: no verify pass for a run that is ending
                stop = "cancelled";
                break;
            }
            int m = draft.size();
            int[] verify = new int[m + 1];
            verify[0] = context[length - 1];
            System.arraycopy(draft.tokens(), 0, verify, 1, m);
            long v0 = System.nanoTime();
            // greedy needs only the target's argmax at each position (a GPU hands back m + 1 ints), top-k
            // sampling its candidates; only sampling without top-k reads whole logits
            int[] best = null;
            Candidates[] candidates = null;
            float[][] logits = null;
            if (sampler.isGreedy()) best = target.forwardArgmax(cache, verify, length - 1, m + 1);
            else if (sampler.usesCandidates(target.config().vocabSize())) candidates = target.forwardTopK(cache, verify, length - 1, m + 1, sampler.temperature(), sampler.topK());
            else logits = target.forward(cache, verify, length - 1, m + 1);
            verifyCost.add(m + 1, (System.nanoTime() - v0) / 1e9);
            passes++;

            int ok = 0;
            int next = -1;
            TokenKind nextKind = TokenKind.TARGET;
            for (; ok < m; ok++) {
                int x = draft.tokens()[ok];
                if (best != null) {
                    if (best[ok] != x) {
                        next = best[ok];
                        break;
                    }
                } else {
                    Distribution q = candidates != null ? sampler.distribution(candidates[ok]) : Distribution.of(sampler.probabilities(logits[ok]));
                    float p = draft.p(ok, x);
                    if (sampler.nextFloat() >= rule.acceptProbability(q.p(x), p)) {
                        next = rule.residualDistribution(q, draft, ok).sample(sampler.nextFloat());
                        break;
                    }
                }
            }
            if (next < 0) { // every draft token accepted: the target's next token comes free
                next = best != null ? best[m] : candidates != null ? sampler.sample(candidates[m]) : sampler.sample(logits[m]);
                nextKind = m > 0 ? TokenKind.BONUS : TokenKind.TARGET;
            } else {
                rejections++;
            }
            drafted += m;
            accepted += ok;
            counts[Math.min(ok, counts.length - 1)]++;
            depths.add(m, ok);
            listener.step(m, ok);
            // emit the accepted drafts, then the target's token, stopping where the plain generator would
            for (int i = 0; i <= ok; i++) {
                int tok = i < ok ? draft.tokens()[i] : next;
                if (tokenizer.isEndOfGeneration(tok) || tok == tokenizer.bos()) {
                    stop = "eos";
                    break steps;
                }
                context[length++] = tok;
                generated++;
                if (firstToken < 0) firstToken = System.nanoTime() - t0;
                listener.token(tok, text.next(tok), i < ok ? TokenKind.ACCEPTED_DRAFT : nextKind);
                if (generated == budget) break steps;
            }
        }
        String rest = text.flush();
        if (!rest.isEmpty()) listener.token(-1, rest, TokenKind.TARGET);
        long t2 = System.nanoTime();
        // weight bytes actually read: one target pass per step plus the drafter's passes
        GenerationStats gs = new GenerationStats(prompt.length, generated, t1 - t0, t2 - t1, target.weightBytes(), (int) passes, stop,
                firstToken < 0 ? t2 - t0 : firstToken, passes * target.weightBytes() + drafter.bytesRead() - draftBytesBefore);
        SpeculationStats ss = stats(Arrays.copyOf(counts, maxK + 1), drafted, accepted, rejections, verifyCost, maxK, adaptive);
        listener.finished(gs);
        return new Result(gs, ss);
    }

    /** {@link #chooseK(AcceptanceByDepth, double, double, double, VerifyCost)} with one acceptance rate α at every depth. */
    static int chooseK(double alpha, double c, double decodeSeconds, VerifyCost cost) {
        return chooseK(new AcceptanceByDepth(), alpha, c, decodeSeconds, cost);
    }

    /**
     * -k auto: Theorem 3.8 over k up to one past the longest verify tried, each verify priced at what
     * passes of its length measured (the fit only for the one untried length): the next k is tried
     * before it is trusted, and a cost that jumps (a second group of positions) is seen, not extrapolated.
     * The tokens a step yields come from the acceptance measured at each depth, not from one α.
     */
    static int chooseK(AcceptanceByDepth depths, double alpha, double c, double decodeSeconds, VerifyCost cost) {
        if (decodeSeconds <= 0) return 1;
        double a = Math.min(alpha, 0.999999);
        int limit = Math.max(1, Math.min(SpeedupModel.MAX_K, cost.longest()));
        int best = 1;
        double bestSpeed = -1;
        for (int j = 1; j <= limit; j++) {
            double speed = depths.expectedTokens(j, a) / (j * c + cost.measured(j + 1) / decodeSeconds);
            if (speed > bestSpeed) {
                bestSpeed = speed;
                best = j;
            }
        }
        return best;
    }

    private SpeculationStats stats(long[] counts, long drafted, long accepted, long rejections, VerifyCost cost, int k, boolean adaptiveK) {
        return new SpeculationStats(drafter.describe(), k, adaptiveK, counts, drafted, accepted, rejections,
                drafter.secondsPerToken(), cost.fixed(), cost.perPosition(), cost.mean(), Double.NaN);
    }

    /** min(1, q(x) / p(x)): the chance to keep a draft token x. */
    static double acceptProbability(float q, float p) {
        return p <= 0 ? 1 : Math.min(1.0, q / (double) p);
    }

    /**
     * normalize(max(q − p, 0)): what the target says instead of a rejected draft token, over the
     * tokens either gives probability (elsewhere both are 0), visited in id order as a dense loop would.
     */
    static Distribution residualDistribution(Distribution q, Drafter.Proposal draft, int i) {
        int[] a = q.ids(), b = draft.support(i);
        int[] ids = new int[a.length + b.length];
        int n = 0;
        for (int x = 0, y = 0; x < a.length || y < b.length; ) {
            int next = y >= b.length || (x < a.length && a[x] <= b[y]) ? a[x] : b[y];
            if (x < a.length && a[x] == next) x++;
            if (y < b.length && b[y] == next) y++;
            ids[n++] = next;
        }
        ids = Arrays.copyOf(ids, n);
        float[] r = new float[n];
        double sum = 0;
        for (int j = 0; j < n; j++) {
            r[j] = Math.max(0f, q.p(ids[j]) - draft.p(i, ids[j]));
            sum += r[j];
        }
        if (sum <= 0) return q; // q ≤ p everywhere only when q == p: then any sample of q is right
        for (int j = 0; j < n; j++) r[j] = (float) (r[j] / sum);
        return new Distribution(q.vocab(), ids, r);
    }

    public record Result(GenerationStats stats, SpeculationStats speculation) {}
}
