package org.speclab.format;

import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.speclab.gguf.GgufValue;
import org.speclab.gguf.ModelFormatException;

/**
 * SentencePiece {@code tokenizer.model}: a protobuf {@code ModelProto}, parsed here directly (only the
 * fields a tokenizer needs: the pieces, the trainer's special ids and model type, and the normalizer's
 * dummy-prefix flag).
 */
final class SentencePieceModel {
    private SentencePieceModel() {}

    /** Minimal protobuf wire-format reader over a byte range. */
    private static final class Proto {
        final Path path;
        final byte[] b;
        int pos;
        final int end;

        Proto(Path path, byte[] b, int from, int to) {
            this.path = path;
            this.b = b;
            this.pos = from;
            this.end = to;
        }

        boolean more() { return pos < end; }

        long varint(String field) {
            long v = 0;
            for (int shift = 0; shift < 64; shift += 7) {
                if (pos >= end) throw new ModelFormatException(path, field, "truncated protobuf varint");
                int x = b[pos++];
                v |= (long) (x & 0x7f) << shift;
                if ((x & 0x80) == 0) return v;
            }
            throw new ModelFormatException(path, field, "malformed protobuf varint");
        }

        /** Length of a length-delimited field, checked against the enclosing message. */
        int length(String field) {
            long n = varint(field);
            if (n < 0 || n > end - pos) throw new ModelFormatException(path, field, "length " + n + " runs past the end of the message");
            return (int) n;
        }

        float fixed32Float() {
            if (end - pos < 4) throw new ModelFormatException(path, "score", "truncated float");
            int v = (b[pos] & 0xff) | (b[pos + 1] & 0xff) << 8 | (b[pos + 2] & 0xff) << 16 | (b[pos + 3] & 0xff) << 24;
            pos += 4;
            return Float.intBitsToFloat(v);
        }

        void skip(int wireType, String field) {
            switch (wireType) {
                case 0 -> varint(field);
                case 1 -> { if (end - pos < 8) throw new ModelFormatException(path, field, "truncated"); pos += 8; }
                case 2 -> {
                    int n = length(field); // read before adding: pos moves past the length itself
                    pos += n;
                }
                case 5 -> { if (end - pos < 4) throw new ModelFormatException(path, field, "truncated"); pos += 4; }
                default -> throw new ModelFormatException(path, field, "unsupported protobuf wire type " + wireType + " (not a SentencePiece model?)");
            }
        }
    }

    static Map<String, GgufValue> parse(Path path, byte[] bytes) {
        Proto p = new Proto(path, bytes, 0, bytes.length);
        List<String> pieces = new ArrayList<>();
        List<Float> scores = new ArrayList<>();
        List<Integer> types = new ArrayList<>();
        int unk = 0, bos = 1, eos = 2, pad = -1, modelType = 1;
        boolean addDummyPrefix = true;
        while (p.more()) {
            long key = p.varint("ModelProto");
            int field = (int) (key >>> 3), wt = (int) (key & 7);
            if (field == 1 && wt == 2) {
                int len = p.length("pieces");
                Proto m = new Proto(path, bytes, p.pos, p.pos + len);
                p.pos += len;
                String piece = null;
                float score = 0;
                int type = TokenizerFiles.NORMAL;
                while (m.more()) {
                    long k = m.varint("piece");
                    int f = (int) (k >>> 3), w = (int) (k & 7);
                    if (f == 1 && w == 2) {
                        int l = m.length("piece");
                        piece = new String(bytes, m.pos, l, StandardCharsets.UTF_8);
                        m.pos += l;
                    } else if (f == 2 && w == 5) {
                        score = m.fixed32Float();
                    } else if (f == 3 && w == 0) {
                        type = (int) m.varint("type");
                    } else {
                        m.skip(w, "piece");
                    }
                }
                if (piece == null) throw new ModelFormatException(path, "pieces[" + pieces.size() + "]", "has no piece text");
                if (type < 1 || type > 6) throw new ModelFormatException(path, "pieces[" + pieces.size() + "].type", "unknown type " + type);
                pieces.add(piece);
                scores.add(score);
                types.add(type);
            } else if ((field == 2 || field == 3) && wt == 2) {
                int len = p.length(field == 2 ? "trainer_spec" : "normalizer_spec");
                Proto m = new Proto(path, bytes, p.pos, p.pos + len);
                p.pos += len;
                while (m.more()) {
                    long k = m.varint("spec");
                    int f = (int) (k >>> 3), w = (int) (k & 7);
                    if (field == 2 && w == 0 && f >= 40 && f <= 43) {
                        int v = (int) m.varint("id");
                        switch (f) { case 40 -> unk = v; case 41 -> bos = v; case 42 -> eos = v; default -> pad = v; }
                    } else if (field == 2 && f == 3 && w == 0) {
                        modelType = (int) m.varint("model_type");
                    } else if (field == 3 && f == 3 && w == 0) {
                        addDummyPrefix = m.varint("add_dummy_prefix") != 0;
                    } else {
                        m.skip(w, field == 2 ? "trainer_spec" : "normalizer_spec");
                    }
                }
            } else {
                p.skip(wt, "ModelProto field " + field);
            }
        }
        int n = pieces.size();
        if (n == 0) throw new ModelFormatException(path, "pieces", "no pieces (not a SentencePiece model?)");
        if (modelType != 2) {
            throw new ModelFormatException(path, "trainer_spec.model_type", "only BPE SentencePiece models are supported (found type " + modelType + ")");
        }
        float[] sc = new float[n];
        int[] ty = new int[n];
        for (int i = 0; i < n; i++) {
            sc[i] = scores.get(i);
            ty[i] = types.get(i);
        }
        Map<String, GgufValue> md = new LinkedHashMap<>();
        md.put("tokenizer.ggml.model", GgufValue.of("llama"));
        md.put("tokenizer.ggml.tokens", GgufValue.ofStrings(pieces.toArray(String[]::new)));
        md.put("tokenizer.ggml.scores", GgufValue.ofFloats(sc));
        md.put("tokenizer.ggml.token_type", GgufValue.ofInts(ty));
        putId(md, path, "tokenizer.ggml.unknown_token_id", unk, n);
        putId(md, path, "tokenizer.ggml.bos_token_id", bos, n);
        putId(md, path, "tokenizer.ggml.eos_token_id", eos, n);
        putId(md, path, "tokenizer.ggml.padding_token_id", pad, n);
        md.put("tokenizer.ggml.add_space_prefix", GgufValue.ofBool(addDummyPrefix));
        return md;
    }

    private static void putId(Map<String, GgufValue> md, Path path, String key, int id, int n) {
        if (id < 0) return;
        if (id >= n) throw new ModelFormatException(path, key, "id " + id + " is out of range (vocabulary has " + n + " pieces)");
        md.put(key, GgufValue.ofUInt32(id));
    }
}
