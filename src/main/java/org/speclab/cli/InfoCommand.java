package org.speclab.cli;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.nio.file.Path;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.Callable;
import org.speclab.format.ModelFiles;
import org.speclab.gguf.GgmlType;
import org.speclab.gguf.GgufValue;
import org.speclab.model.ModelConfig;
import org.speclab.model.ModelFile;
import org.speclab.model.Tensor;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/** {@code speclab info MODEL}: what a model file holds. */
@Command(name = "info", mixinStandardHelpOptions = true, description = "Show a model's architecture, shape, weight types and metadata.")
final class InfoCommand implements Callable<Integer> {
    @picocli.CommandLine.ParentCommand
    Cli cli;

    @Parameters(index = "0", description = "model file (GGUF or llama2.c .bin)")
    Path model;

    @picocli.CommandLine.Mixin
    EngineOptions.TokenizerFile tokenizer;

    @Option(names = "--json", description = "print JSON")
    boolean json;

    @Override
    public Integer call() throws Exception {
        try (ModelFile f = ModelFiles.open(model, tokenizer.path())) {
            ModelConfig c = ModelConfig.from(f);
            Map<GgmlType, Long> types = new TreeMap<>();
            for (Tensor t : f.tensors().values()) types.merge(t.type(), t.info().byteSize(), Long::sum);
            GgufValue tokens = f.metadata().get("tokenizer.ggml.tokens");
            String tok = f.getString("tokenizer.ggml.model", "none (pass --tokenizer)");
            if (json) {
                ObjectMapper om = new ObjectMapper();
                ObjectNode o = om.createObjectNode();
                o.put("file", model.toString());
                o.put("format", f.format());
                o.put("name", f.name());
                o.put("architecture", c.architecture());
                o.put("parameters", f.parameterCount());
                o.put("weight_type", f.dominantType().name());
                o.put("file_bytes", f.fileSize());
                o.set("config", om.valueToTree(c));
                o.put("tokenizer", tok);
                o.put("tensors", f.tensors().size());
                ObjectNode md = o.putObject("metadata");
                f.metadata().forEach((k, v) -> md.put(k, v.isArray() ? v.toString() : String.valueOf(v.value())));
                cli.out.println(om.writerWithDefaultPrettyPrinter().writeValueAsString(o));
                return 0;
            }
            var out = cli.out;
            out.printf("file:          %s (%s, %s)%n", model, f.format(), human(f.fileSize()));
            out.printf("name:          %s%n", f.name());
            out.printf("architecture:  %s%n", c.architecture());
            out.printf("parameters:    %s (%,d)%n", humanCount(f.parameterCount()), f.parameterCount());
            out.printf("weight type:   %s%n", f.dominantType());
            out.printf("shape:         dim %d, %d layers, %d heads, %d kv heads, head size %d, ffn %d%n",
                    c.dim(), c.layers(), c.heads(), c.kvHeads(), c.headDim(), c.hiddenDim());
            out.printf("vocabulary:    %d (%s%s)%n", c.vocabSize(), tok, tokens != null ? ", " + tokens.arrayLength() + " pieces" : "");
            out.printf("context:       %d%n", c.contextLength());
            out.printf("rope:          theta %s, %d dims%s; rms eps %s%n", c.ropeTheta(), c.ropeDim(),
                    c.ropeScale() != 1f ? ", linear scale " + c.ropeScale() : "", c.rmsEps());
            out.printf("classifier:    %s%n", c.tiedClassifier() ? "tied to the token embedding" : "separate");
            out.printf("layout:        %s%n", layout(c));
            out.printf("tensors:       %d", f.tensors().size());
            types.forEach((t, b) -> out.printf(", %s %s", t, human(b)));
            out.println();
            return 0;
        }
    }

    /** What the family does that plain Llama does not, in one line. */
    static String layout(ModelConfig c) {
        var a = c.arch();
        java.util.List<String> parts = new java.util.ArrayList<>();
        parts.add(a.rope() == org.speclab.model.Architecture.RopeStyle.NEOX ? "NEOX RoPE (i, i + dims/2)" : "RoPE on adjacent pairs");
        if (a.qkvBias()) parts.add("q/k/v biases");
        if (a.qkNorm()) parts.add("RMSNorm per head of q and k");
        if (a.fusedQkv()) parts.add("fused qkv");
        if (a.fusedGateUp()) parts.add("fused gate+up");
        if (a.postNorms()) parts.add("norms after attention and feed-forward");
        parts.add(a.activation() == org.speclab.model.Architecture.Activation.SILU ? "SwiGLU" : "GeGLU (tanh)");
        if (a.scaleEmbedding()) parts.add("embeddings × √dim");
        if (c.attentionSoftcap() > 0) parts.add("attention soft-cap " + c.attentionSoftcap());
        if (c.finalSoftcap() > 0) parts.add("logit soft-cap " + c.finalSoftcap());
        if (c.slidingWindow() > 0) parts.add("sliding window " + c.slidingWindow() + (a.alternateWindow() ? " on layers 0, 2, …" : ""));
        return String.join(", ", parts);
    }

    static String human(long bytes) {
        if (bytes < 1024) return bytes + " B";
        String[] u = {"KiB", "MiB", "GiB", "TiB"};
        double v = bytes;
        int i = -1;
        do {
            v /= 1024;
            i++;
        } while (v >= 1024 && i < u.length - 1);
        return String.format("%.2f %s", v, u[i]);
    }

    static String humanCount(long n) {
        if (n >= 1_000_000_000) return String.format("%.2fB", n / 1e9);
        if (n >= 1_000_000) return String.format("%.2fM", n / 1e6);
        if (n >= 1_000) return String.format("%.1fK", n / 1e3);
        return Long.toString(n);
    }
}
