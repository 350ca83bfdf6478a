package org.speclab.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.ObjectMapper;
import org.junit.jupiter.api.Test;
import org.speclab.SharedFiles;

class CliTest {
    @Test
    void devicesListsTheCpuAndExplainsMissingCuda() {
        CliRun r = CliRun.of("devices");
        assertEquals(0, r.exitCode(), r.err());
        assertTrue(r.out().startsWith("cpu "), r.out());
        assertTrue(r.out().lines().anyMatch(l -> l.startsWith("cuda")), r.out());
        assertTrue(r.err().isEmpty(), r.err());
        // asked again in the same process, the reason stays the first one (not "failed earlier")
        assertEquals(r.out(), CliRun.of("devices").out());
    }

    @Test
    void anUnknownCommandIsAnErrorButWithHelpPrintsTheCommands() {
        CliRun r = CliRun.of("frobnicate");
        assertEquals(2, r.exitCode(), r.out());
        assertTrue(r.err().startsWith("speclab: error: unknown command 'frobnicate'"), r.err());
        assertTrue(r.err().contains("generate") && r.err().contains("logits"), r.err());
        assertTrue(r.out().isEmpty(), r.out());
        String top = CliRun.of("--help").out();
        for (String help : new String[] {"--help", "-h"}) {
            r = CliRun.of("frobnicate", help);
            assertEquals(0, r.exitCode(), r.err());
            assertTrue(r.err().isEmpty(), r.err());
            assertTrue(r.out().startsWith("Usage: speclab ") && r.out().contains("generate") && r.out().contains("logits"), r.out());
            assertEquals(top, r.out(), "the top-level help");
        }
    }

    /** The top-level help lists each command with the first line of its description: a whole sentence, not a line cut mid-phrase. */
    @Test
    void theCommandListGivesEachCommandAWholeSentence() {
        String top = CliRun.of("--help").out();
        String list = top.substring(top.indexOf("Commands:") + "Commands:".length());
        // "  name  summary", wrapped onto lines indented further
        java.util.regex.Matcher m = java.util.regex.Pattern.compile("(?m)^  (\\w+)\\s+(.*(?:\\R {4,}.*)*)").matcher(list);
        int commands = 0;
        while (m.find()) {
            commands++;
            String summary = m.group(2).replaceAll("\\s+", " ").strip();
            assertTrue(summary.endsWith("."), m.group(1) + "'s summary ends mid-sentence: " + summary);
        }
        assertTrue(commands >= 10, list);
    }

    /** Every option of every command says what it is for in the command's help. */
    @Test
    void everyOptionIsDescribed() {
        String top = CliRun.of("--help").out();
        java.util.regex.Matcher m = java.util.regex.Pattern.compile("(?m)^  (\\w+) ").matcher(top.substring(top.indexOf("Commands:")));
        java.util.regex.Pattern option = java.util.regex.Pattern.compile("^ +(-\\w, )?--[\\w-]+(=\\S+)?( +(.*))?$");
        int commands = 0;
        while (m.find()) {
            String cmd = m.group(1);
            if (cmd.equals("help")) continue;
            commands++;
            String[] lines = CliRun.of(cmd, "--help").out().split("\\R");
            for (int i = 0; i < lines.length; i++) {
                java.util.regex.Matcher o = option.matcher(lines[i]);
                if (!o.matches() || o.group(4) != null) continue;
                // a long option's description may start on the next line, indented further
                boolean next = i + 1 < lines.length && lines[i + 1].startsWith(" ".repeat(20)) && !option.matcher(lines[i + 1]).matches();
                assertTrue(next, cmd + "'s option has no description: " + lines[i].strip());
            }
        }
        assertTrue(commands >= 10, top);
    }

    @Test
    void infoShowsTheShape() {
        CliRun r = CliRun.of("info", SharedFiles.require("models/stories260K/stories260K.gguf").toString());
        assertEquals(0, r.exitCode(), r.err());
        assertTrue(r.out().contains("dim 64, 5 layers, 8 heads, 4 kv heads, head size 8, ffn 172"), r.out());
        assertTrue(r.out().contains("vocabulary:    512"), r.out());
    }

    @Test
    void infoNamesWhatEachFamilyDoes() {
        CliRun llama = CliRun.of("info", SharedFiles.require("models/stories260K/stories260K.gguf").toString());
        assertTrue(llama.out().contains("layout:        RoPE on adjacent pairs, SwiGLU"), llama.out());
        CliRun gemma = CliRun.of("info", SharedFiles.require("reference/arch/gemma2-F16.gguf").toString());
        assertTrue(gemma.out().contains("architecture:  gemma2"), gemma.out());
        assertTrue(gemma.out().contains("layout:        NEOX RoPE (i, i + dims/2), norms after attention and feed-forward, GeGLU (tanh), "
                + "embeddings × √dim, attention soft-cap 50.0, logit soft-cap 30.0, sliding window 8 on layers 0, 2, …"), gemma.out());
        CliRun qwen = CliRun.of("info", SharedFiles.require("reference/arch/qwen2-Q4_K_M.gguf").toString());
        assertTrue(qwen.out().contains("q/k/v biases"), qwen.out());
    }

    @Test
    void infoJson() throws Exception {
        CliRun r = CliRun.of("info", "--json", SharedFiles.require("models/tiny-random-llama2/llama-2-tiny-random.gguf").toString());
        assertEquals(0, r.exitCode(), r.err());
        var node = new ObjectMapper().readTree(r.out());
        assertEquals("llama", node.get("architecture").asText());
        assertEquals(32000, node.get("config").get("vocabSize").asInt());
        assertEquals("F16", node.get("weight_type").asText());
    }

    @Test
    void tokenizePrintsIds() {
        CliRun r = CliRun.of("tokenize", "-m", SharedFiles.require("models/stories260K/stories260K.gguf").toString(), "Once upon a time");
        assertEquals(0, r.exitCode(), r.err());
        assertEquals("[1, 403, 407, 261, 378]", r.out().strip());
        r = CliRun.of("tokenize", "--no-bos", "-m", SharedFiles.require("models/stories260K/tok512.bin").toString(), "Once upon a time");
        assertEquals("[403, 407, 261, 378]", r.out().strip());
    }

    @Test
    void jsonRecordPerSample() throws Exception {
        CliRun r = CliRun.of("generate", "-m", SharedFiles.require("models/stories260K/stories260K.gguf").toString(),
                "-t", "1.0", "--seed", "5", "-n", "20", "--num-samples", "2", "--json");
        assertEquals(0, r.exitCode(), r.err());
        var lines = r.out().strip().lines().toList();
        assertEquals(2, lines.size(), r.out());
        var om = new ObjectMapper();
        for (String l : lines) {
            var n = om.readTree(l);
            assertTrue(n.get("tokens_per_sec").asDouble() > 0);
            assertTrue(n.get("new_tokens").asInt() <= 20);
        }
        assertNotEquals(om.readTree(lines.get(0)).get("text"), om.readTree(lines.get(1)).get("text"));
    }

    @Test
    void minusNMeansNewTokensAsInGptFastAndLlamaCpp() throws Exception {
        // -n N: N new tokens (gpt-fast's max_new_tokens, llama.cpp's -n), alone and speculating
        String m = SharedFiles.require("models/stories260K/stories260K.gguf").toString();
        var om = new ObjectMapper();
        for (String[] extra : new String[][] {{}, {"--draft-layers", "3", "-k", "4", "--no-baseline"}, {"--draft-ngram", "2", "-k", "3", "--no-baseline"}}) {
            for (int n : new int[] {1, 2, 17}) {
                var args = new java.util.ArrayList<>(java.util.List.of("generate", "-m", m, "-t", "0", "-p", "Once upon a time", "-n", "" + n, "--json"));
                args.addAll(java.util.List.of(extra));
                CliRun r = CliRun.of(args.toArray(String[]::new));
                assertEquals(0, r.exitCode(), r.err());
                assertEquals(n, om.readTree(r.out().strip()).get("new_tokens").asInt(), String.join(" ", args));
            }
        }
        CliRun zero = CliRun.of("generate", "-m", m, "-n", "0");
        assertEquals(1, zero.exitCode());
        assertTrue(zero.err().contains("-n must be ≥ 1"), zero.err());
    }

    @Test
    void seededSamplingIsReproducible() {
        String m = SharedFiles.require("models/stories260K/stories260K.gguf").toString();
        CliRun a = CliRun.of("generate", "-m", m, "-t", "0.9", "--top-p", "0.9", "--seed", "123", "-n", "60");
        CliRun b = CliRun.of("generate", "-m", m, "-t", "0.9", "--top-p", "0.9", "--seed", "123", "-n", "60");
        assertEquals(0, a.exitCode(), a.err());
        assertEquals(a.out(), b.out());
    }

    /**
     * Seeded sampling reproduces llama2.c's run.c: `run stories260K.bin -z tok512.bin -t 1.0 -p 0.9 -s 42
     * -n 60 -i "Once upon a time"` printed this text (run.c -n counts positions, BOS included: 60 − 5 prompt tokens + 1 = 56 new).
     */
    @Test
    void seededSamplingMatchesLlama2cRun() {
        CliRun r = CliRun.of("generate", "-m", SharedFiles.require("models/stories260K/stories260K.bin").toString(),
                "--tokenizer", SharedFiles.require("models/stories260K/tok512.bin").toString(),
                "-t", "1.0", "--top-k", "0", "--top-p", "0.9", "--seed", "42", "-n", "56", "-p", "Once upon a time");
        assertEquals(0, r.exitCode(), r.err());
        assertEquals("Once upon a time, there was a brave little boy named Tim. Tim loved to play with his toys and make blocks. "
                + "One day, Tim went to the mirror and saw his dad. The man\n", r.out());
    }

    @Test
    void missingFileAndBadFlagsGiveOneLine() {
        CliRun r = CliRun.of("generate", "-m", "/nonexistent/model.gguf");
        assertEquals(1, r.exitCode());
        assertEquals("speclab: error: /nonexistent/model.gguf: file not found", r.err().strip());
        r = CliRun.of("generate", "--bogus");
        assertEquals(2, r.exitCode());
        assertTrue(r.err().startsWith("speclab: error: "), r.err());
        r = CliRun.of("generate", "-m", SharedFiles.require("models/stories260K/stories260K.gguf").toString(), "--top-p", "3");
        assertEquals(1, r.exitCode());
        assertTrue(r.err().contains("top-p must be in [0, 1]"), r.err());
    }

    /** Option values are checked as they are parsed, against the tables help lists them from. */
    @Test
    void typeAndSpeculateKValuesAreCheckedWhenParsed(@org.junit.jupiter.api.io.TempDir java.nio.file.Path dir) {
        String m = SharedFiles.require("models/stories260K/stories260K.gguf").toString();
        for (String k : new String[] {"0", "17", "x"}) {
            CliRun r = CliRun.of("generate", "-m", m, "-k", k, "--draft-ngram", "2", "-n", "2");
            assertEquals(2, r.exitCode(), k);
            assertTrue(r.err().lines().findFirst().orElseThrow().contains("must be a number between 1 and 16 or 'auto', found '" + k + "'"), r.err());
        }
        CliRun auto = CliRun.of("generate", "-m", m, "-k", "auto", "--draft-ngram", "2", "-t", "0", "-n", "20", "--no-baseline");
        assertEquals(0, auto.exitCode(), auto.err());
        assertTrue(auto.err().contains(", k auto (≤ "), auto.err());
        // synth offers the types it writes: IQ4_NL is read but not written
        CliRun synth = CliRun.of("synth", "--preset", "200m", "-o", dir.resolve("x.gguf").toString(), "--type", "iq4_nl");
        assertEquals(2, synth.exitCode());
        assertTrue(synth.err().contains("must be one of f32, f16") && synth.err().contains("q6_k") && !synth.err().lines().findFirst().orElseThrow().contains("iq4_nl,"), synth.err());
        assertTrue(CliRun.of("synth", "--help").out().contains("q5_k"), "help lists the writable types");
        CliRun convert = CliRun.of("convert", m, "-o", dir.resolve("y.gguf").toString(), "--type", "q8_0");
        assertEquals(2, convert.exitCode());
        assertTrue(convert.err().contains("must be one of f32, f16, bf16, found 'q8_0'"), convert.err());
        assertTrue(java.util.Arrays.stream(dir.toFile().list()).noneMatch(f -> f.endsWith(".gguf")), "nothing written");
    }

    /** Refused as parsed (exit 2, nothing loaded), in a line that names the option, the value and the limit. */
    @Test
    void absurdThreadCountsAreRefusedWhenParsed(@org.junit.jupiter.api.io.TempDir java.nio.file.Path dir) {
        String m = SharedFiles.require("models/stories260K/stories260K.gguf").toString();
        int max = org.speclab.engine.cpu.CpuBackend.maxThreads();
        String[][] commands = {{"generate", "-m", m, "-n", "2"}, {"bench", "-m", m, "-n", "2"},
                {"logits", "-m", m, "--ids", "1,2", "-o", dir.resolve("l.f32").toString()}, {"sweep", "-m", m, "--draft-ngram", "2", "-n", "4"}};
        for (String[] cmd : commands) {
            for (String n : new String[] {"1000", "" + (max + 1), "0", "-3", "99999999999"}) {
                var args = new java.util.ArrayList<>(java.util.List.of(cmd));
                args.addAll(java.util.List.of("--threads", n));
                CliRun r = CliRun.of(args.toArray(String[]::new));
                assertEquals(2, r.exitCode(), String.join(" ", args) + "\n" + r.err());
                assertEquals("speclab: error: Invalid value for option '--threads': must be between 1 and " + max + " (4 per core; this machine has "
                        + Runtime.getRuntime().availableProcessors(), r.err().lines().findFirst().orElseThrow().replaceFirst(" cores?\\), found .*", ""), r.err());
                assertTrue(r.err().lines().findFirst().orElseThrow().endsWith("), found " + n), r.err());
                assertTrue(r.err().lines().skip(1).allMatch(l -> l.startsWith("Try 'speclab ")), r.err());
                assertTrue(r.out().isEmpty(), r.out());
            }
        }
        assertTrue(!java.nio.file.Files.exists(dir.resolve("l.f32")));
        CliRun word = CliRun.of("generate", "-m", m, "--threads", "many");
        assertEquals(2, word.exitCode());
        assertTrue(word.err().startsWith("speclab: error: Invalid value for option '--threads': must be a whole number of threads, found 'many'"), word.err());
        assertTrue(CliRun.of("generate", "--help").out().contains("--threads=N"), "help names the limit");
        assertTrue(CliRun.of("generate", "--help").out().contains("4 per core"), "help names the limit");
    }

    /** A GGUF whose own vocabulary, or a --tokenizer, is not one token per embedding row: one line naming the file, the tensor and both counts. */
    @Test
    void synthTakesTheVocabularysSizeAndMismatchedModelsAreRefused(@org.junit.jupiter.api.io.TempDir java.nio.file.Path dir) throws Exception {
        String vocab = SharedFiles.require("models/stories260K/tok512.model").toString();
        String[] tiny = {"--dim", "64", "--layers", "1", "--heads", "4", "--kv-heads", "2", "--ffn", "128"};
        java.nio.file.Path a = dir.resolve("a600.gguf"), b = dir.resolve("b512.gguf");
        // a preset with --vocab: the vocabulary's 512 rows, not the preset's 32,000
        CliRun r = CliRun.of(concat(new String[] {"synth", "--preset", "200m", "--vocab", vocab, "-o", b.toString()}, tiny));
        assertEquals(0, r.exitCode(), r.err());
        try (var f = org.speclab.format.ModelFiles.open(b, null)) {
            assertEquals(512, f.tensor("token_embd.weight").shape()[1]);
            assertEquals(512, f.tensor("output.weight").shape()[1]);
            assertEquals(512, f.metadata().get("tokenizer.ggml.tokens").arrayLength());
        }
        CliRun g = CliRun.of("generate", "-m", b.toString(), "-n", "8", "--seed", "3");
        assertEquals(0, g.exitCode(), g.err());
        // rows that the vocabulary cannot fill: refused when written
        r = CliRun.of(concat(new String[] {"synth", "--vocab", vocab, "--vocab-size", "600", "-o", dir.resolve("w.gguf").toString()}, tiny));
        assertEquals(1, r.exitCode());
        assertTrue(r.err().contains("512 tokens and the 600 embedding rows"), r.err());
        assertTrue(!java.nio.file.Files.exists(dir.resolve("w.gguf")));
        // and when such a file is opened, in both directions: 600 rows, 512 tokens; 512 rows, 600 tokens
        r = CliRun.of(concat(new String[] {"synth", "--vocab-size", "600", "-o", a.toString()}, tiny));
        assertEquals(0, r.exitCode(), r.err());
        java.nio.file.Path rowsOver = dir.resolve("rows600-tokens512.gguf"), tokensOver = dir.resolve("rows512-tokens600.gguf");
        swapVocabulary(a, b, rowsOver);
        swapVocabulary(b, a, tokensOver);
        assertRefused(rowsOver, null, rowsOver + ": tensor token_embd.weight: 600 rows (and output.weight 600), but its vocabulary (tokenizer.ggml.tokens) has 512 tokens");
        assertRefused(tokensOver, null, tokensOver + ": tensor token_embd.weight: 512 rows (and output.weight 512), but its vocabulary (tokenizer.ggml.tokens) has 600 tokens");
        // an external vocabulary that disagrees: named too
        String tok512 = SharedFiles.require("models/stories260K/tok512.bin").toString();
        assertRefused(a, tok512, a + ": tensor token_embd.weight: 600 rows (and output.weight 600), but the vocabulary of " + tok512 + " has 512 tokens");
        java.nio.file.Path llama = SharedFiles.require("models/tiny-random-llama2/llama-2-tiny-random.gguf");
        assertRefused(llama, tok512, llama + ": tensor token_embd.weight: 32000 rows");
    }

    private static String[] concat(String[] a, String[] b) {
        return java.util.stream.Stream.concat(java.util.Arrays.stream(a), java.util.Arrays.stream(b)).toArray(String[]::new);
    }

    /** {@code out}: the tensors of {@code weights} with the tokenizer.* keys of {@code vocabulary} (the project's own writer). */
    private static void swapVocabulary(java.nio.file.Path weights, java.nio.file.Path vocabulary, java.nio.file.Path out) throws Exception {
        try (var w = org.speclab.format.ModelFiles.open(weights, null); var v = org.speclab.format.ModelFiles.open(vocabulary, null)) {
            var md = new java.util.LinkedHashMap<String, org.speclab.gguf.GgufValue>();
            w.metadata().forEach((k, val) -> { if (!k.startsWith("tokenizer.")) md.put(k, val); });
            v.metadata().forEach((k, val) -> { if (k.startsWith("tokenizer.")) md.put(k, val); });
            var entries = new java.util.ArrayList<org.speclab.gguf.GgufWriter.Entry>();
            for (var t : w.tensors().values()) entries.add(new org.speclab.gguf.GgufWriter.Entry(t.name(), t.shape(), t.type(), org.speclab.gguf.GgufWriter.Data.of(t.data())));
            org.speclab.gguf.GgufWriter.write(out, md, entries);
        }
    }

    /** generate, and the lab's way in (LoadedModel), refuse {@code model} in the one line that starts with {@code line}. */
    private static void assertRefused(java.nio.file.Path model, String tokenizer, String line) {
        var args = new java.util.ArrayList<>(java.util.List.of("generate", "-m", model.toString(), "-n", "3", "-t", "0.8"));
        if (tokenizer != null) args.addAll(java.util.List.of("--tokenizer", tokenizer));
        CliRun g = CliRun.of(args.toArray(String[]::new));
        assertEquals(1, g.exitCode(), g.err());
        assertTrue(g.err().strip().lines().count() == 1 && g.err().startsWith("speclab: error: " + line), g.err());
        assertTrue(g.err().contains("a model needs one row per token") && !g.err().contains("Seed:") && g.out().isEmpty(), g.err());
        var e = org.junit.jupiter.api.Assertions.assertThrows(org.speclab.gguf.ModelFormatException.class,
                () -> org.speclab.lab.LoadedModel.open(model, tokenizer == null ? null : java.nio.file.Path.of(tokenizer), 1).close());
        assertTrue(e.getMessage().startsWith(line), e.getMessage());
    }

    /** -m and --tokenizer are checked once (EngineOptions): a missing file is the same one line in every command. */
    @Test
    void aMissingModelOrTokenizerIsOneLineInEveryCommand(@org.junit.jupiter.api.io.TempDir java.nio.file.Path dir) {
        String m = SharedFiles.require("models/stories260K/stories260K.gguf").toString();
        String missing = dir.resolve("missing.bin").toString();
        String[][] commands = {{"generate", "-m", missing}, {"bench", "-m", missing}, {"logits", "-m", missing, "--ids", "1", "-o", dir.resolve("l").toString()},
                {"tokenize", "-m", missing, "hi"}, {"sweep", "-m", missing, "--draft-ngram", "2"},
                {"generate", "-m", m, "--tokenizer", missing}, {"info", m, "--tokenizer", missing},
                {"convert", m, "--tokenizer", missing, "-o", dir.resolve("c.gguf").toString()},
                {"synth", "--widen", m, "--tokenizer", missing, "-o", dir.resolve("w.gguf").toString()}};
        for (String[] cmd : commands) {
            CliRun r = CliRun.of(cmd);
            assertEquals(1, r.exitCode(), String.join(" ", cmd) + ": " + r.err());
            assertEquals("speclab: error: " + missing + ": file not found", r.err().strip(), String.join(" ", cmd));
        }
        for (String cmd : new String[] {"generate", "bench", "logits", "tokenize"}) {
            assertTrue(CliRun.of(cmd, "--help").out().contains("-m, --model=MODEL"), cmd);
        }
        for (String cmd : new String[] {"generate", "info", "convert", "synth"}) {
            assertTrue(CliRun.of(cmd, "--help").out().contains("--tokenizer=FILE"), cmd);
        }
    }

    /** The seed is printed once the run starts: a refusal found after the options are read prints no Seed line. */
    @Test
    void noSeedLineBeforeARefusal() {
        String m = SharedFiles.require("models/stories260K/stories260K.gguf").toString();
        String[][] refused = {{"--top-p", "3"}, {"--top-k", "-1"}, {"-c", "2", "-p", "Once upon a time"}, {"--chat"},
                {"--draft-layers", "9"}, {"--prompts", "/nonexistent/prompts.txt"}};
        for (String[] extra : refused) {
            CliRun r = CliRun.of(concat(new String[] {"generate", "-m", m, "-n", "4", "-t", "0.8"}, extra));
            assertEquals(1, r.exitCode(), String.join(" ", extra));
            assertTrue(r.err().strip().startsWith("speclab: error: ") && r.err().strip().lines().count() == 1, String.join(" ", extra) + ": " + r.err());
        }
        CliRun ok = CliRun.of("generate", "-m", m, "-n", "4", "-t", "0.8");
        assertEquals(0, ok.exitCode(), ok.err());
        assertTrue(ok.err().startsWith("Seed: "), "the seed of an unseeded run, first: " + ok.err());
    }

    @Test
    void draftWithAnotherVocabularyIsRefused() {
        CliRun r = CliRun.of("generate", "-m", SharedFiles.require("models/stories260K/stories260K.gguf").toString(),
                "-d", SharedFiles.require("models/tiny-random-llama2/llama-2-tiny-random.gguf").toString(), "-n", "5", "-t", "0.8");
        assertEquals(1, r.exitCode());
        assertTrue(!r.err().contains("Seed:"), "no Seed line before a refusal: " + r.err());
        assertTrue(r.err().contains("draft llama-2-tiny-random.gguf and target stories260K.gguf do not share a vocabulary (32000 vs 512 tokens)"), r.err());
    }

    @Test
    void speculativeRunPrintsGptFastLinesAndTheExplanation() throws Exception {
        String m = SharedFiles.require("models/stories260K/stories260K.gguf").toString();
        String[] args = {"generate", "-m", m, "--draft-ngram", "2", "-k", "3", "-t", "0", "-n", "60", "-p", "Once upon a time", "--json"};
        CliRun r;
        // 60 tokens of a 260K model take milliseconds: no speedup is timed unless the test lowers the bar
        System.setProperty("speclab.timing.minSeconds", "0");
        try {
            r = CliRun.of(args);
        } finally {
            System.clearProperty("speclab.timing.minSeconds");
        }
        assertEquals(0, r.exitCode(), r.err());
        assertTrue(r.err().contains("Acceptance probs: ["), r.err());
        assertTrue(r.err().contains("Mean Accepted: "), r.err());
        // the speedup: the median of three runs, each beside a run of the target alone, with its range
        assertTrue(r.err().matches("(?s).*predicted speedup [0-9.]+x, measured [0-9.]+x \\([0-9.]+–[0-9.]+x over 3 runs, each beside the target alone\\).*"), r.err());
        var rec = new ObjectMapper().readTree(r.out());
        assertEquals(3, rec.get("speculate_k").asInt());
        assertEquals("n-gram 2", rec.get("draft_model").asText());
        assertEquals("stories260K", rec.get("model").asText());
        assertTrue(rec.get("alpha").isNumber() && rec.get("predicted_speedup").isNumber() && rec.get("measured_speedup").isNumber(), r.out());
        assertTrue(rec.get("text").asText().startsWith("Once upon a time, there was a little girl named Lily."), r.out());
        // one record per printed sample (one), though three were measured
        assertEquals(1, r.out().strip().lines().count(), r.out());

        CliRun brief = CliRun.of(args);
        assertEquals(0, brief.exitCode(), brief.err());
        assertTrue(brief.err().contains("No measured speedup: a run takes") && !brief.err().contains("measured 1") && !brief.err().contains("measured 0"), brief.err());
        assertTrue(new ObjectMapper().readTree(brief.out()).get("measured_speedup").isNull(), brief.out());
    }

    @Test
    void version() {
        CliRun r = CliRun.of("--version");
        assertEquals(0, r.exitCode());
        assertTrue(r.out().startsWith("SpecLab "), r.out());
    }
}
