package org.speclab.bench;

import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.Random;
import java.util.concurrent.TimeUnit;
import org.openjdk.jmh.annotations.AuxCounters;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.Warmup;
import org.speclab.format.TokenizerFiles;
import org.speclab.tokenizer.Tokenizer;
import org.speclab.tokenizer.Tokenizers;

/**
 * Encode throughput on one core: SentencePiece-BPE (Llama-2 tokenizer.model) and byte-level BPE
 * (Llama-3 encoder.json), on English and Chinese text that does not repeat (so caches see real
 * word frequencies). The "bytes" counter is the throughput in bytes per second. Goal: ≥ 2 MB/s.
 * Run: bench/jmh TokenizerBenchmark
 */
@State(Scope.Thread)
@BenchmarkMode(Mode.Throughput)
@OutputTimeUnit(TimeUnit.SECONDS)
@Warmup(iterations = 2, time = 2)
@Measurement(iterations = 3, time = 3)
@Fork(value = 1, jvmArgsAppend = {"--add-modules", "jdk.incubator.vector"})
public class TokenizerBenchmark {
    @Param({"spm", "bytelevel"})
    public String tokenizer;

    @Param({"english", "chinese"})
    public String language;

    private Tokenizer tok;
    private String[] texts;
    private int next;

    /** Bytes encoded, reported by JMH per second. */
    @State(Scope.Thread)
    @AuxCounters(AuxCounters.Type.OPERATIONS)
    public static class Bytes {
        public long bytes;

        @Setup(Level.Iteration)
        public void reset() {
            bytes = 0;
        }
    }

    @Setup
    public void setup() {
        Path shared = Path.of(System.getProperty("speclab.shared", "../shared"));
        Path file = shared.resolve(tokenizer.equals("spm") ? "tokenizers/llama2/tokenizer.model" : "tokenizers/llama3.2-bpe/encoder.json");
        tok = Tokenizers.fromMetadata(file, TokenizerFiles.read(file, -1));
        Random r = new Random(1);
        texts = new String[64];
        for (int i = 0; i < texts.length; i++) texts[i] = language.equals("english") ? english(r, 16_000) : chinese(r, 6_000);
    }

    @Benchmark
    public int encode(Bytes counter) {
        String t = texts[next++ & 63];
        counter.bytes += t.getBytes(StandardCharsets.UTF_8).length;
        return tok.encodeOrdinary(t).length;
    }

    static final String[] EN = ("speculative decoding lets a small draft model propose several tokens which the large target model "
            + "verifies in one forward pass when the draft agrees often enough the target reads its weights once for many tokens "
            + "and generation runs faster memory bandwidth limits decoding on CPUs and GPUs alike quantization shrinks weights "
            + "int8 and int4 group-wise formats trade accuracy for speed researchers measured tokens per second acceptance rates "
            + "and mean accepted tokens across fifteen experiments with one or eight GPUs the seven billion parameter draft made "
            + "the seventy billion target slower nobody could say why until the lab explained it").split(" ");

    static String english(Random r, int chars) {
        StringBuilder sb = new StringBuilder();
        while (sb.length() < chars) {
            String w = EN[r.nextInt(EN.length)];
            if (r.nextInt(12) == 0) w = Character.toUpperCase(w.charAt(0)) + w.substring(1);
            sb.append(w).append(r.nextInt(15) == 0 ? ", " : r.nextInt(20) == 0 ? ". " : r.nextInt(40) == 0 ? "\n" : " ");
            if (r.nextInt(50) == 0) sb.append(r.nextInt(100_000)).append(' ');
        }
        return sb.toString();
    }

    static final String ZH = "推测解码让一个小的草稿模型先提出若干个词元再由大的目标模型在一次前向计算中验证它们当草稿模型的猜测足够准确时"
            + "目标模型读取一次权重就能产出多个词元整个生成过程因此更快内存带宽限制了解码速度量化缩小了权重研究人员测量了每秒词元数和接受率";

    static String chinese(Random r, int chars) {
        StringBuilder sb = new StringBuilder();
        while (sb.length() < chars) {
            int start = r.nextInt(ZH.length() - 8);
            sb.append(ZH, start, start + 2 + r.nextInt(6));
            sb.append(r.nextInt(6) == 0 ? "，" : r.nextInt(12) == 0 ? "。" : "");
        }
        return sb.toString();
    }
}
