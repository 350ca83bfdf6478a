package org.speclab.tokenizer;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.PriorityQueue;

/**
 * Rank-ordered BPE merges over token ids, as GPT-2-style tokenizers apply them: within one word,
 * repeatedly merge the adjacent pair with the lowest merge rank (leftmost first on ties) until no
 * pair has a merge.
 */
final class BpeMerges {
    /** (left id, right id) → rank in the high 32 bits, merged id in the low 32 bits. */
    private final Map<Long, Long> merges;

    private BpeMerges(Map<Long, Long> merges) {
        this.merges = merges;
    }

    /**
     * @param pairs merges in rank order, each as {left, right} strings
     * @return null when a merge names a piece the vocabulary lacks (index reported through {@code bad})
     */
    static BpeMerges of(List<String[]> pairs, Map<String, Integer> ids, int[] bad) {
        Map<Long, Long> m = new HashMap<>(pairs.size() * 2);
        for (int r = 0; r < pairs.size(); r++) {
            String[] p = pairs.get(r);
            Integer a = ids.get(p[0]), b = ids.get(p[1]), c = ids.get(p[0] + p[1]);
            if (a == null || b == null || c == null) {
                bad[0] = r;
                return null;
            }
            m.putIfAbsent(key(a, b), ((long) r << 32) | c);
        }
        return new BpeMerges(m);
    }

    private static long key(int a, int b) {
        return ((long) a << 32) | (b & 0xffffffffL);
    }

    private record Candidate(int left, int rank, int merged, int leftId, int rightId) {}

    /** Merges a word given as initial symbol ids (no -1 entries); returns the final ids. */
    int[] apply(int[] symbols) {
        int n = symbols.length;
        if (n < 2) return symbols;
        int[] id = symbols.clone(), prev = new int[n], next = new int[n];
        for (int i = 0; i < n; i++) {
            prev[i] = i - 1;
            next[i] = i + 1 < n ? i + 1 : -1;
        }
        PriorityQueue<Candidate> queue = new PriorityQueue<>(
                (x, y) -> x.rank != y.rank ? Integer.compare(x.rank, y.rank) : Integer.compare(x.left, y.left));
        for (int i = 0; i + 1 < n; i++) offer(queue, i, i + 1, id);
        while (!queue.isEmpty()) {
            Candidate c = queue.poll();
            int l = c.left, r = next[l];
            // stale: the left symbol was merged away or changed, or its neighbour changed
            if (id[l] != c.leftId || r < 0 || id[r] != c.rightId) continue;
            id[l] = c.merged;
            id[r] = -1;
            next[l] = next[r];
            if (next[r] >= 0) prev[next[r]] = l;
            if (prev[l] >= 0) offer(queue, prev[l], l, id);
            if (next[l] >= 0) offer(queue, l, next[l], id);
        }
        List<Integer> out = new ArrayList<>();
        for (int i = 0; i >= 0; i = next[i]) out.add(id[i]);
        return out.stream().mapToInt(Integer::intValue).toArray();
    }

    private void offer(PriorityQueue<Candidate> q, int left, int right, int[] id) {
        Long m = merges.get(key(id[left], id[right]));
        if (m != null) q.add(new Candidate(left, (int) (m >>> 32), (int) (long) m, id[left], id[right]));
    }
}
