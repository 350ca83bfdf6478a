package org.speclab.format;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;
import org.speclab.gguf.GgufValue;
import org.speclab.gguf.ModelFormatException;

/**
 * Stand-alone vocabulary files turned into GGUF {@code tokenizer.ggml.*} metadata: llama2.c's
 * tokenizer {@code .bin} and SentencePiece's {@code tokenizer.model}. Pieces are written the way
 * GGUF writes SentencePiece vocabularies: spaces as U+2581, token types as SentencePiece numbers
 * them (1 normal, 2 unknown, 3 control, 4 user-defined, 5 unused, 6 byte).
 */
public final class TokenizerFiles {
    public static final int NORMAL = 1, UNKNOWN = 2, CONTROL = 3, USER_DEFINED = 4, UNUSED = 5, BYTE = 6;

    private TokenizerFiles() {}

    /**
     * Reads a stand-alone vocabulary, chosen by name and content: Hugging Face {@code tokenizer.json},
     * GPT-2 {@code encoder.json} (+ {@code vocab.bpe}), SentencePiece {@code .model}, llama2.c {@code .bin}.
     */
    public static Map<String, GgufValue> read(Path path, int expectedVocab) {
        FileKind kind = FileKind.of(path);
        if (kind == FileKind.GPT2_BPE) return Gpt2BpeFiles.read(path.resolveSibling("encoder.json"));
        if (kind == FileKind.TOKENIZER_JSON) return HuggingFaceTokenizer.read(path);
        byte[] bytes = readAll(path);
        // decided by structure, not by a first byte alone: a llama2.c tokenizer whose max_token_length is 10
        // starts with 0x0a as a protobuf does. The reader the kind suggests goes first; if it refuses the
        // bytes, the other is tried before its refusal is reported.
        boolean sentencePieceFirst = kind == FileKind.SENTENCEPIECE;
        ModelFormatException refusal;
        try {
            return sentencePieceFirst ? SentencePieceModel.parse(path, bytes) : llama2c(path, bytes, expectedVocab);
        } catch (ModelFormatException e) {
            refusal = e;
        }
        try {
            return sentencePieceFirst ? llama2c(path, bytes, expectedVocab) : SentencePieceModel.parse(path, bytes);
        } catch (ModelFormatException e) {
            throw refusal;
        }
    }

    static byte[] readAll(Path path) {
        try {
            return Files.readAllBytes(path);
        } catch (NoSuchFileException e) {
            throw new ModelFormatException(path, null, "tokenizer file not found");
        } catch (IOException e) {
            throw new ModelFormatException(path, null, "cannot read: " + e.getMessage());
        }
    }

    /**
     * llama2.c tokenizer: int32 max_token_length, then per token float32 score, int32 length and the
     * bytes. {@code expectedVocab} (the checkpoint's vocab_size) or -1 to read to the end of the file.
     */
    static Map<String, GgufValue> llama2c(Path path, byte[] bytes, int expectedVocab) {
        ByteBuffer b = ByteBuffer.wrap(bytes).order(ByteOrder.LITTLE_ENDIAN);
        if (b.remaining() < 4) throw new ModelFormatException(path, "max_token_length", "file is truncated");
        int maxLen = b.getInt();
        if (maxLen <= 0 || maxLen > 1 << 16) throw new ModelFormatException(path, "max_token_length", "out of range: " + maxLen + " (not a llama2.c tokenizer?)");
        java.util.List<String> pieces = new java.util.ArrayList<>();
        java.util.List<Float> scores = new java.util.ArrayList<>();
        var decoder = StandardCharsets.UTF_8.newDecoder().onMalformedInput(CodingErrorAction.REPORT);
        while (expectedVocab < 0 ? b.hasRemaining() : pieces.size() < expectedVocab) {
            int i = pieces.size();
            if (b.remaining() < 8) {
                throw new ModelFormatException(path, "token " + i, "file is truncated" + (expectedVocab > 0 ? " (the model needs " + expectedVocab + " tokens)" : ""));
            }
            float score = b.getFloat();
            int len = b.getInt();
            if (len < 0 || len > maxLen || len > b.remaining()) {
                throw new ModelFormatException(path, "token " + i + " length", len + " is out of range (max_token_length " + maxLen + ", " + b.remaining() + " bytes left)");
            }
            byte[] piece = new byte[len];
            b.get(piece);
            try {
                pieces.add(decoder.decode(ByteBuffer.wrap(piece)).toString());
            } catch (CharacterCodingException e) {
                throw new ModelFormatException(path, "token " + i, "piece is not valid UTF-8");
            }
            scores.add(score);
        }
        int n = pieces.size();
        String[] tokens = new String[n];
        float[] sc = new float[n];
        int[] types = new int[n];
        for (int i = 0; i < n; i++) {
            String p = pieces.get(i);
            // llama2.c's export wrote BOS/EOS as "\n<s>\n" and "\n</s>\n" and spaces as plain spaces
            if (i == 1 && p.equals("\n<s>\n")) p = "<s>";
            if (i == 2 && p.equals("\n</s>\n")) p = "</s>";
            tokens[i] = p.replace(' ', '\u2581');
            sc[i] = scores.get(i);
            types[i] = i == 0 ? UNKNOWN : (i <= 2 ? CONTROL : (isByteToken(p) ? BYTE : NORMAL));
        }
        Map<String, GgufValue> md = new LinkedHashMap<>();
        md.put("tokenizer.ggml.model", GgufValue.of("llama"));
        md.put("tokenizer.ggml.tokens", GgufValue.ofStrings(tokens));
        md.put("tokenizer.ggml.scores", GgufValue.ofFloats(sc));
        md.put("tokenizer.ggml.token_type", GgufValue.ofInts(types));
        md.put("tokenizer.ggml.unknown_token_id", GgufValue.ofUInt32(0));
        md.put("tokenizer.ggml.bos_token_id", GgufValue.ofUInt32(1));
        md.put("tokenizer.ggml.eos_token_id", GgufValue.ofUInt32(2));
        return md;
    }

    static boolean isByteToken(String p) {
        return p.length() == 6 && p.startsWith("<0x") && p.endsWith(">")
                && Character.digit(p.charAt(3), 16) >= 0 && Character.digit(p.charAt(4), 16) >= 0;
    }
}
