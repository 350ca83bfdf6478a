package org.speclab.tokenizer;

import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;

/**
 * Turns a stream of tokens into text the way llama2.c prints it, safe for streaming: bytes of a
 * UTF-8 character split across tokens are held until the character is complete. The space that
 * starts the first piece after BOS (the dummy prefix) is dropped, and single raw bytes that are
 * neither printable nor whitespace are skipped, as llama2.c's {@code safe_printf} does.
 */
public final class TextStream {
    private final Tokenizer tokenizer;
    private final ByteArrayOutputStream pending = new ByteArrayOutputStream();
    private int previous = -1;

    public TextStream(Tokenizer tokenizer) {
        this.tokenizer = tokenizer;
    }

    /** Feeds one token; returns the text that is complete now (possibly empty). */
    public String next(int token) {
        byte[] bytes = tokenizer.pieceBytes(token);
        int from = 0;
        if (previous == tokenizer.bos() && bytes.length > 0 && bytes[0] == ' ') from = 1;
        previous = token;
        if (bytes.length == 1 && !printable(bytes[0])) return drain();
        pending.write(bytes, from, bytes.length - from);
        return drain();
    }

    /** Whatever is still held at the end of the stream (an incomplete character becomes U+FFFD). */
    public String flush() {
        String s = pending.toString(StandardCharsets.UTF_8);
        pending.reset();
        return s;
    }

    private static boolean printable(byte b) {
        int c = b & 0xff;
        return c >= 0x80 || (c >= 0x20 && c < 0x7f) || c == '\t' || c == '\n' || c == '\r' || c == 0x0b || c == 0x0c;
    }

    /** Emits the longest prefix of pending bytes that ends on a character boundary. */
    private String drain() {
        byte[] b = pending.toByteArray();
        int complete = completePrefix(b);
        if (complete == 0) return "";
        String s = new String(b, 0, complete, StandardCharsets.UTF_8);
        pending.reset();
        pending.write(b, complete, b.length - complete);
        return s;
    }

    /** Length of the prefix that does not end inside a multi-byte UTF-8 sequence. */
    static int completePrefix(byte[] b) {
        int n = b.length;
        // look back at most 3 bytes for the lead byte of a possibly unfinished sequence
        for (int back = 1; back <= Math.min(3, n); back++) {
            int c = b[n - back] & 0xff;
            if ((c & 0xC0) == 0x80) continue; // continuation byte
            int need = (c & 0xE0) == 0xC0 ? 2 : (c & 0xF0) == 0xE0 ? 3 : (c & 0xF8) == 0xF0 ? 4 : 1;
            return need > back ? n - back : n;
        }
        return n;
    }
}
