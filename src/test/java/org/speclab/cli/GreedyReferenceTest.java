package org.speclab.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.speclab.SharedFiles;

/** `generate -t 0` must print llama2.c's reference text byte for byte, from every file form of stories260K. */
class GreedyReferenceTest {
    @ParameterizedTest(name = "{0} {1} -n {3}")
    @CsvSource(delimiter = '|', value = {
            "models/stories260K/stories260K.gguf     |                                 |                  | 256 | reference/stories260K-greedy.txt",
            "models/stories260K/stories260K-F16.gguf |                                 |                  | 256 | reference/stories260K-greedy.txt",
            "models/stories260K/stories260K.bin      | models/stories260K/tok512.bin   |                  | 256 | reference/stories260K-greedy.txt",
            "models/stories260K/stories260K.bin      | models/stories260K/tok512.model |                  | 256 | reference/stories260K-greedy.txt",
            "models/stories260K/stories260K.gguf     |                                 | Once upon a time | 197 | reference/stories260K-greedy-once-upon-a-time.txt",
            "models/stories260K/stories260K.bin      | models/stories260K/tok512.bin   | Once upon a time | 197 | reference/stories260K-greedy-once-upon-a-time.txt",
    })
    void printsTheReferenceText(String model, String tokenizer, String prompt, int n, String reference) throws Exception {
        String expected = SharedFiles.read(reference);
        var args = new java.util.ArrayList<>(java.util.List.of("generate", "-m", SharedFiles.require(model).toString(),
                "-t", "0", "-n", Integer.toString(n), "--threads", "2"));
        if (tokenizer != null) args.addAll(java.util.List.of("--tokenizer", SharedFiles.require(tokenizer).toString()));
        if (prompt != null) args.addAll(java.util.List.of("-p", prompt));
        CliRun r = CliRun.of(args.toArray(String[]::new));
        assertEquals(0, r.exitCode(), r.err());
        assertEquals(expected, r.out());
        assertTrue(r.err().contains("Average tokens/sec: "), r.err());
        assertTrue(r.err().contains("Bandwidth achieved: "), r.err());
        assertTrue(r.err().contains("Memory used: "), r.err());
    }

    @org.junit.jupiter.api.Test
    void warnsPastTheDeclaredContextAndGoesOn() throws Exception {
        // the distilled draft declares context_length 128 although it was trained on 256
        CliRun r = CliRun.of("generate", "-m", SharedFiles.require("models/stories-draft-distilled/draft.gguf").toString(),
                "-t", "0", "-n", "200", "-p", "Once upon a time");
        assertEquals(0, r.exitCode(), r.err());
        assertTrue(r.err().contains("exceed the model's declared context length 128"), r.err());
        assertTrue(r.out().startsWith("Once upon a time, there was a little girl named Lily."), r.out());
    }

    @org.junit.jupiter.api.Test
    void distilledDraftMatchesItsLlama2cCheckpoint() throws Exception {
        // README of the draft: run.c on draft.bin and llama-cli on draft.gguf agree token for token
        String bin = CliRun.of("generate", "-m", SharedFiles.require("models/stories-draft-distilled/draft.bin").toString(),
                "--tokenizer", SharedFiles.require("models/stories260K/tok512.bin").toString(),
                "-t", "0", "-n", "127", "-p", "Once upon a time").out();
        String gguf = CliRun.of("generate", "-m", SharedFiles.require("models/stories-draft-distilled/draft.gguf").toString(),
                "-t", "0", "-n", "127", "-p", "Once upon a time").out();
        assertEquals(bin, gguf);
        assertTrue(bin.startsWith("Once upon a time, there was a little girl named Lily. She loved to play outside in the park. One day, she saw a\nbig box".replace("\n", " ")), bin);
    }

    /**
     * A float16 KV cache (`--kv-cache f16`): the same greedy text from stories260K (its logits stay within 0.11% of the
     * float32 cache's: ForwardTest), with a speculative draft too; the record and bench name the cache, and a type it
     * does not know is refused as parsed.
     */
    @org.junit.jupiter.api.Test
    void aFloat16CacheGivesTheReferenceTextAndIsNamed() throws Exception {
        String m = SharedFiles.require("models/stories260K/stories260K.gguf").toString();
        CliRun r = CliRun.of("generate", "-m", m, "-t", "0", "-n", "256", "--threads", "2", "--kv-cache", "f16");
        assertEquals(0, r.exitCode(), r.err());
        assertEquals(SharedFiles.read("reference/stories260K-greedy.txt"), r.out());
        CliRun spec = CliRun.of("generate", "-m", m, "-t", "0", "-n", "256", "--kv-cache", "F16", "--draft-layers", "3", "--json");
        assertEquals(0, spec.exitCode(), spec.err());
        assertTrue(spec.out().contains("\"device\":\"cpu (" + org.speclab.engine.cpu.CpuBackend.defaultThreads() + " threads, f16 KV cache)\""), spec.out());
        CliRun bench = CliRun.of("bench", "-m", m, "-p", "0", "-n", "8", "-r", "1", "--verify", "0", "--kv-cache", "f16");
        assertEquals(0, bench.exitCode(), bench.err());
        assertTrue(bench.out().contains("KV cache: float16 (2 bytes a value)."), bench.out());
        CliRun bad = CliRun.of("bench", "-m", m, "--kv-cache", "q8_0");
        assertEquals(2, bad.exitCode());
        assertTrue(bad.err().startsWith("speclab: error: Invalid value for option '--kv-cache': must be f32 or f16, found 'q8_0'"), bad.err());
    }
}
