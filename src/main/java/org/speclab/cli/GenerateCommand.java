package org.speclab.cli;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.PrintStream;
import java.nio.file.Path;
import java.util.concurrent.Callable;
import org.speclab.decode.GenerationListener;
import org.speclab.decode.GenerationStats;
import org.speclab.decode.Generator;
import org.speclab.decode.Sampler;
import org.speclab.decode.TokenKind;
import org.speclab.engine.cpu.CpuBackend;
import org.speclab.engine.cuda.CudaProbe;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/**
 * {@code speclab generate}: stdout gets the prompt and the generated text exactly as llama2.c prints
 * them; stderr gets gpt-fast-style measurement lines.
 */
@Command(name = "generate", mixinStandardHelpOptions = true, sortOptions = false,
        description = "Generate text from a prompt and report tokens/s, bandwidth and memory like gpt-fast.")
final class GenerateCommand implements Callable<Integer> {
    @picocli.CommandLine.ParentCommand
    Cli cli;

    @Option(names = {"-m", "--model"}, required = true, description = "model file (GGUF or llama2.c .bin)")
    Path model;

    @Option(names = "--tokenizer", description = "vocabulary for files that carry none (llama2.c tokenizer .bin or SentencePiece .model)")
    Path tokenizer;

    @Option(names = {"-p", "--prompt"}, defaultValue = "", description = "prompt text; empty starts from BOS (default: empty)")
    String prompt;

    @Option(names = {"-n", "--max-new-tokens"}, defaultValue = "200", description = {
            "positions to generate after the prompt (default: ${DEFAULT-VALUE}); as in llama2.c's run, the",
            "prediction at the last position is printed too, so up to N+1 tokens appear (run -n S = speclab -n S-prompt)"})
    int maxNew;

    @Option(names = {"-t", "--temperature"}, defaultValue = "0.8", description = "0 is greedy (default: ${DEFAULT-VALUE})")
    float temperature;

    @Option(names = "--top-k", defaultValue = "200", description = "sample among the k most likely tokens; 0 = all (default: ${DEFAULT-VALUE})")
    int topK;

    @Option(names = "--top-p", defaultValue = "1.0", description = "nucleus sampling threshold; 1 = off (default: ${DEFAULT-VALUE})")
    float topP;

    @Option(names = "--seed", description = "random seed (default: from the clock, printed on stderr)")
    Long seed;

    @Option(names = {"-c", "--context"}, description = "context length (default: what prompt and new tokens need)")
    Integer context;

    @Option(names = "--num-samples", defaultValue = "1", description = "independent generations (default: ${DEFAULT-VALUE})")
    int samples;

    @Option(names = "--device", defaultValue = "cpu", description = "cpu or cuda[:N] (default: ${DEFAULT-VALUE})")
    String device;

    @Option(names = "--threads", description = "CPU threads (default: all cores)")
    Integer threads;

    @Option(names = "--json", description = "print one JSON record per sample on stdout instead of the text")
    boolean json;

    @Override
    public Integer call() {
        PrintStream out = cli.out, err = cli.err;
        if (maxNew < 0) throw new IllegalArgumentException("-n must be ≥ 0, found " + maxNew);
        if (samples < 1) throw new IllegalArgumentException("--num-samples must be ≥ 1, found " + samples);
        if (device.startsWith("cuda")) {
            CudaProbe.Result r = CudaProbe.probe();
            err.println("speclab: warning: " + (r.available() ? "the CUDA engine is not part of this build yet" : "CUDA not available: " + r.reason())
                    + "; running on the cpu");
        } else if (!device.equals("cpu")) {
            throw new IllegalArgumentException("--device must be cpu or cuda[:N], found '" + device + "'");
        }
        int nThreads = threads != null ? threads : CpuBackend.defaultThreads();
        if (nThreads < 1) throw new IllegalArgumentException("--threads must be ≥ 1, found " + nThreads);
        long baseSeed = seed != null ? seed : System.nanoTime();

        try (LoadedModel m = LoadedModel.open(model, tokenizer, nThreads)) {
            int[] promptTokens = m.tokenizer().encode(prompt, true);
            if (promptTokens.length == 0) promptTokens = new int[] {m.tokenizer().bos()};
            int need = promptTokens.length + maxNew;
            int ctx = context != null ? context : need;
            if (ctx < need) {
                throw new IllegalArgumentException("context " + ctx + " is too small for " + promptTokens.length
                        + " prompt tokens + " + maxNew + " new tokens");
            }
            int declared = m.transformer().config().contextLength();
            if (ctx > declared) {
                err.printf("speclab: warning: %d positions exceed the model's declared context length %d; going on (as llama.cpp does)%n", ctx, declared);
            }
            if (seed == null && temperature > 0) err.println("Seed: " + baseSeed);
            Generator gen = new Generator(m.transformer(), m.tokenizer());
            double sumTps = 0;
            for (int s = 0; s < samples; s++) {
                Sampler sampler = new Sampler(temperature, topK, topP, baseSeed + s);
                StringBuilder text = new StringBuilder();
                GenerationListener listener = new GenerationListener() {
                    @Override
                    public void token(int id, String piece, TokenKind kind) {
                        text.append(piece);
                        if (!json) {
                            out.print(piece);
                            out.flush();
                        }
                    }
                };
                GenerationStats st = gen.generate(promptTokens, maxNew, sampler, listener);
                if (json) {
                    out.println(record(m, st, text.toString(), s, baseSeed + s));
                } else {
                    out.println();
                }
                out.flush();
                sumTps += st.tokensPerSecond();
                err.printf("Time for inference %d: %.02f sec total, %.02f tokens/sec%n", s + 1, st.totalSeconds(), st.tokensPerSecond());
                err.printf("Bandwidth achieved: %.02f GB/s%n", m.transformer().weightBytes() * st.tokensPerSecond() / 1e9);
            }
            err.println("==========");
            err.printf("Average tokens/sec: %.2f%n", sumTps / samples);
            err.printf("Memory used: %.02f GB%n", MemoryReading.peakResidentBytes() / 1e9);
        }
        return 0;
    }

    private String record(LoadedModel m, GenerationStats st, String text, int sample, long seedUsed) {
        ObjectMapper om = new ObjectMapper();
        ObjectNode o = om.createObjectNode();
        o.put("model", m.file().name());
        o.put("model_path", model.toString());
        o.put("weight_type", m.file().dominantType().name());
        o.put("device", m.transformer().device());
        o.put("drafter", "none");
        o.put("sample", sample + 1);
        o.put("temperature", temperature);
        o.put("top_k", topK);
        o.put("top_p", topP);
        o.put("seed", seedUsed);
        o.put("prompt_tokens", st.promptTokens());
        o.put("new_tokens", st.newTokens());
        o.put("stop_reason", st.stopReason());
        o.put("seconds", st.totalSeconds());
        o.put("tokens_per_sec", st.tokensPerSecond());
        o.put("bandwidth_gb_s", m.transformer().weightBytes() * st.tokensPerSecond() / 1e9);
        o.put("model_bytes", m.transformer().weightBytes());
        o.put("memory_gb", MemoryReading.peakResidentBytes() / 1e9);
        o.put("text", text);
        return o.toString();
    }
}
