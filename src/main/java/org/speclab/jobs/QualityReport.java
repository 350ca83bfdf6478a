package org.speclab.jobs;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import java.io.IOException;
import java.nio.file.Path;
import java.util.Arrays;
import org.speclab.engine.Transformer;
import org.speclab.engine.cpu.CpuBackend;
import org.speclab.format.ModelFiles;
import org.speclab.model.ModelFile;
import org.speclab.tokenizer.Tokenizer;
import org.speclab.tokenizer.Tokenizers;

/**
 * How far quantization moved a model's predictions: both models read the same short text
 * (teacher-forced) and at every position we compare the next-token distributions: how often the
 * most likely token is the same, and the mean KL divergence KL(source ‖ quantized) in nats.
 */
public record QualityReport(String text, int positions, double top1Agreement, double meanKl, double maxKl) {
    /** English prose of the kind the seed's models were benchmarked on; short, so the report stays cheap. */
    static final String TEXT = "Once upon a time, there was a little girl named Lily. She loved to play outside in the park "
            + "with her friends. One day, she found a shiny red ball under a big tree. def quicksort(arr): return arr if "
            + "len(arr) <= 1 else quicksort([x for x in arr if x < arr[0]]) + [arr[0]]";
    static final int MAX_POSITIONS = 96;

    public static Path pathFor(Path output) {
        return output.resolveSibling(output.getFileName() + ".quality.json");
    }

    public static QualityReport measure(Path source, Path quantized, JobContext ctx) {
        try (ModelFile a = ModelFiles.open(source, null); ModelFile b = ModelFiles.open(quantized, null)) {
            Tokenizer tok = Tokenizers.fromMetadata(source, a.metadata());
            int[] ids = tok.encode(TEXT, true);
            int threads = Runtime.getRuntime().availableProcessors();
            try (Transformer ta = new CpuBackend().load(a, threads); Transformer tb = new CpuBackend().load(b, threads)) {
                int n = Math.min(ids.length, Math.min(MAX_POSITIONS, ta.config().contextLength()));
                int[] tokens = Arrays.copyOf(ids, n);
                ctx.checkCancelled();
                float[][] la = ta.forward(ta.newCache(n), tokens, 0, n);
                ctx.checkCancelled();
                float[][] lb = tb.forward(tb.newCache(n), tokens, 0, n);
                return compare(la, lb);
            }
        }
    }

    static QualityReport compare(float[][] source, float[][] quantized) {
        int n = source.length, agree = 0;
        double sumKl = 0, maxKl = 0;
        for (int i = 0; i < n; i++) {
            double[] p = softmax(source[i]), q = softmax(quantized[i]);
            if (argmax(p) == argmax(q)) agree++;
            double kl = 0;
            for (int v = 0; v < p.length; v++) if (p[v] > 0) kl += p[v] * (Math.log(p[v]) - Math.log(Math.max(q[v], 1e-300)));
            sumKl += kl;
            maxKl = Math.max(maxKl, kl);
        }
        return new QualityReport(TEXT, n, (double) agree / n, sumKl / n, maxKl);
    }

    private static double[] softmax(float[] x) {
        double max = Double.NEGATIVE_INFINITY;
        for (float v : x) max = Math.max(max, v);
        double[] p = new double[x.length];
        double sum = 0;
        for (int i = 0; i < x.length; i++) sum += p[i] = Math.exp(x[i] - max);
        for (int i = 0; i < x.length; i++) p[i] /= sum;
        return p;
    }

    private static int argmax(double[] p) {
        int best = 0;
        for (int i = 1; i < p.length; i++) if (p[i] > p[best]) best = i;
        return best;
    }

    public void save(Path file) throws IOException {
        new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT).writeValue(file.toFile(), this);
    }

    /** The lines the CLI prints. */
    public String summary() {
        return String.format("Quality (%d positions): top-1 agreement %.1f%%, mean KL %.5f nats (max %.4f)",
                positions, 100 * top1Agreement, meanKl, maxKl);
    }
}
