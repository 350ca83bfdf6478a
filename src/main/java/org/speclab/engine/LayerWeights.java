package org.speclab.engine;

import java.util.List;
import org.speclab.model.Architecture;
import org.speclab.model.ModelConfig;

/**
 * One transformer layer's weights as an engine holds them ({@code M}: a matrix, {@code V}: a vector),
 * read for every engine by {@link #load} from what the family's {@link Architecture} says its layers
 * hold. Vectors a family does not have (biases, q/k norms, post-norms) are null.
 */
public record LayerWeights<M, V>(V attnNorm, M wq, M wk, M wv, V bq, V bk, V bv, V qNorm, V kNorm, M wo, V postAttnNorm,
                                 V ffnNorm, M gate, M down, M up, V postFfnNorm) {

    /** How an engine makes its matrices and vectors from a file's tensors. */
    public interface Source<M, V> {
        M matrix(String tensor);

        /** Rows {@code from .. from + count} of the fused matrix {@code tensor}, as the part {@code name} (e.g. Phi-3's q of attn_qkv). */
        M rows(String tensor, String name, int from, int count);

        V vector(String tensor);
    }

    /** Layer {@code l} of a model of config {@code c}: fused matrices as the row ranges they join. */
    public static <M, V> LayerWeights<M, V> load(ModelConfig c, int l, Source<M, V> s) {
        Architecture a = c.arch();
        List<Architecture.Part> parts = a.projections(c, l); // q, k, v, gate, up: whole tensors or rows of fused ones
        List<M> m = new java.util.ArrayList<>(5);
        for (Architecture.Part p : parts) m.add(p.whole() ? s.matrix(p.tensor()) : s.rows(p.tensor(), p.name(), p.from(), p.count()));
        return new LayerWeights<>(s.vector(Architecture.block(l, "attn_norm")), m.get(0), m.get(1), m.get(2),
                a.qkvBias() ? s.vector(Architecture.blockBias(l, "attn_q")) : null, a.qkvBias() ? s.vector(Architecture.blockBias(l, "attn_k")) : null,
                a.qkvBias() ? s.vector(Architecture.blockBias(l, "attn_v")) : null,
                a.qkNorm() ? s.vector(Architecture.block(l, "attn_q_norm")) : null, a.qkNorm() ? s.vector(Architecture.block(l, "attn_k_norm")) : null,
                s.matrix(Architecture.block(l, "attn_output")), a.postNorms() ? s.vector(Architecture.block(l, "post_attention_norm")) : null,
                s.vector(Architecture.block(l, "ffn_norm")), m.get(3), s.matrix(Architecture.block(l, "ffn_down")), m.get(4),
                a.postNorms() ? s.vector(Architecture.block(l, "post_ffw_norm")) : null);
    }

    /** The matrices of every layer, for counting the bytes a pass reads. */
    public List<M> matrices() {
        return List.of(wq, wk, wv, wo, gate, up, down);
    }
}
