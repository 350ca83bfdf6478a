package org.speclab.reliability;

import static org.junit.jupiter.api.Assertions.fail;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Random;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * Every file reader on thousands of broken copies of real files (bits flipped, counts and lengths
 * overwritten with extreme values, the file cut short or a stretch repeated; most mutations aimed at
 * the headers, where the counts live): each broken file must be refused with the project's one-line
 * format error, or read, and never end in another exception, an OutOfMemoryError or a hang. A
 * deterministic burst in the suite ({@code -Dspeclab.mutations=N} for more; each failure names the
 * reader, the iteration and the mutation, so it can be replayed and kept as a regression test).
 */
class MutatedFilesTest {
    @TempDir
    Path dir;

    private static final int ITERATIONS = Integer.getInteger("speclab.mutations", 300);
    private static final long SLOW_MILLIS = 2000;

    @ParameterizedTest(name = "{0}")
    @ValueSource(strings = {"gguf", "llama2c-checkpoint", "llama2c-tokenizer", "sentencepiece", "tokenizer-json", "safetensors",
            "gpt2-encoder", "gpt2-merges", "settings-json", "experiments-json", "jobs-json"})
    void brokenFilesAreRefusedInOneLine(String reader) throws Exception {
        FileReaders r = FileReaders.byId(reader);
        byte[] original = Files.readAllBytes(r.seedFile());
        Path target = r.target(dir);
        Random rnd = new Random(reader.hashCode());
        for (int i = 0; i < ITERATIONS; i++) {
            StringBuilder how = new StringBuilder();
            byte[] broken = mutate(original, rnd, how);
            Files.write(target, broken);
            long t0 = System.nanoTime();
            try {
                r.check(target);
            } catch (Throwable t) {
                fail(reader + " #" + i + " (" + how + "): " + t, t);
            }
            long ms = (System.nanoTime() - t0) / 1_000_000;
            if (ms > SLOW_MILLIS) fail(reader + " #" + i + " (" + how + "): took " + ms + " ms");
        }
    }

    private static final long[] EXTREMES = {0, 1, -1, 0x7fffffffL, 0x80000000L, 0xffffffffL, Long.MAX_VALUE, Long.MIN_VALUE, 1L << 40, 65536};

    /** One to three mutations, three in four of them within the first 4 KiB (counts, lengths, offsets, shapes). */
    static byte[] mutate(byte[] in, Random rnd, StringBuilder how) {
        byte[] b = in.clone();
        int n = 1 + rnd.nextInt(3);
        for (int m = 0; m < n; m++) {
            int span = rnd.nextInt(4) < 3 ? Math.min(b.length, 4096) : b.length;
            if (span == 0) break;
            int at = rnd.nextInt(span);
            switch (rnd.nextInt(5)) {
                case 0 -> {
                    b[at] ^= (byte) (1 << rnd.nextInt(8));
                    how.append("bit@").append(at).append(' ');
                }
                case 1 -> {
                    long v = EXTREMES[rnd.nextInt(EXTREMES.length)];
                    int width = rnd.nextBoolean() ? 4 : 8;
                    if (at + width <= b.length) {
                        ByteBuffer bb = ByteBuffer.wrap(b).order(ByteOrder.LITTLE_ENDIAN);
                        if (width == 4) bb.putInt(at, (int) v);
                        else bb.putLong(at, v);
                    }
                    how.append("int").append(width * 8).append('@').append(at).append('=').append(v).append(' ');
                }
                case 2 -> {
                    b = java.util.Arrays.copyOf(b, at);
                    how.append("cut@").append(at).append(' ');
                }
                case 3 -> {
                    b[at] = (byte) rnd.nextInt(256);
                    how.append("byte@").append(at).append(' ');
                }
                default -> {
                    int len = Math.min(1 + rnd.nextInt(64), b.length - at);
                    byte[] grown = new byte[b.length + len];
                    System.arraycopy(b, 0, grown, 0, at + len);
                    System.arraycopy(b, at, grown, at + len, b.length - at);
                    b = grown;
                    how.append("dup@").append(at).append('+').append(len).append(' ');
                }
            }
        }
        return b;
    }
}
