package org.speclab.tokenizer;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.DynamicTest;
import org.junit.jupiter.api.TestFactory;
import org.speclab.SharedFiles;
import org.speclab.format.ModelFiles;
import org.speclab.model.ModelFile;

/** llama.cpp's own tokenizer test vectors: every input is its own test, named after the input. */
class LlamaCppVocabTest {
    /** One input and the ids llama.cpp gives it (no BOS, special-token text not parsed). */
    record Vector(String text, int[] ids) {}

    static List<Vector> vectors(Path vocab) throws Exception {
        String inp = Files.readString(Path.of(vocab + ".inp"), StandardCharsets.UTF_8);
        List<String> out = Files.readAllLines(Path.of(vocab + ".out"), StandardCharsets.UTF_8);
        String[] parts = inp.split("\n__ggml_vocab_test__\n", -1);
        List<Vector> v = new ArrayList<>();
        for (int i = 0; i < parts.length - 1; i++) {
            String line = out.get(i).strip();
            int[] ids = line.isEmpty() ? new int[0] : Arrays.stream(line.split("\\s+")).mapToInt(Integer::parseInt).toArray();
            v.add(new Vector(parts[i], ids));
        }
        return v;
    }

    static Tokenizer load(Path gguf) {
        try (ModelFile f = ModelFiles.openGguf(gguf)) {
            return Tokenizers.fromMetadata(gguf, f.metadata());
        }
    }

    static String label(String s) {
        String e = s.replace("\n", "\\n").replace("\t", "\\t").replace("\r", "\\r");
        return "'" + (e.length() > 40 ? e.substring(0, 40) + "…" : e) + "'";
    }

    private Stream<DynamicTest> suite(String name) throws Exception {
        Path gguf = SharedFiles.require("tokenizers/llama.cpp-vocab/" + name);
        Tokenizer tok = load(gguf);
        return vectors(gguf).stream().map(v -> DynamicTest.dynamicTest(name + " " + label(v.text()), () -> {
            assertArrayEquals(v.ids(), tok.encodeOrdinary(v.text()), () -> "input " + label(v.text()) + " gave "
                    + Arrays.toString(tok.encodeOrdinary(v.text())));
            // and back: decoding gives the text (SentencePiece: minus the dummy-prefix space)
            String back = Tokenizers.decode(tok, v.ids());
            String expected = tok.addsDummyPrefix() && !v.text().isEmpty() ? " " + v.text() : v.text();
            assertEquals(expected, back);
        }));
    }

    @TestFactory
    Stream<DynamicTest> llamaSentencePiece() throws Exception {
        return suite("ggml-vocab-llama-spm.gguf");
    }

    @TestFactory
    Stream<DynamicTest> phi3() throws Exception {
        return suite("ggml-vocab-phi-3.gguf");
    }

    @TestFactory
    Stream<DynamicTest> gpt2() throws Exception {
        return suite("ggml-vocab-gpt-2.gguf");
    }

    /**
     * Special-token text parsed, BOS added (llama-tokenize -m VOCAB -p TEXT --ids, llama.cpp c392e509):
     * Phi-3's special tokens, and its {@code </s>}, strip the white space after them (llama.cpp's
     * rule for models named Phi-3, from Phi-3's tokenizer.json); {@code <unk>}, {@code <s>} and
     * {@code <|endoftext|>} do not, and Llama's vocabulary strips nothing.
     */
    @org.junit.jupiter.params.ParameterizedTest
    @org.junit.jupiter.params.provider.CsvSource(delimiter = ';', value = {
            "ggml-vocab-phi-3.gguf     ; <s>not a special token</s> [INST] hello [/INST] ; 1, 1, 451, 263, 4266, 5993, 2, 518, 25580, 29962, 22172, 518, 29914, 25580, 29962",
            "ggml-vocab-llama-spm.gguf ; <s>not a special token</s> [INST] hello [/INST] ; 1, 1, 451, 263, 4266, 5993, 2, 29871, 518, 25580, 29962, 22172, 518, 29914, 25580, 29962",
            "ggml-vocab-phi-3.gguf     ; <|user|>\\n Hello <|end|>  \\n<|assistant|>         ; 1, 32010, 15043, 29871, 32007, 32001",
            "ggml-vocab-phi-3.gguf     ; <unk> x <|endoftext|> y                          ; 1, 0, 29871, 921, 29871, 32000, 29871, 343",
    })
    void specialTokensStripAsInLlamaCpp(String vocab, String text, String ids) {
        Tokenizer tok = load(SharedFiles.require("tokenizers/llama.cpp-vocab/" + vocab));
        int[] want = Arrays.stream(ids.split(",\\s*")).mapToInt(Integer::parseInt).toArray();
        String input = text.replace("\\n", "\n");
        assertArrayEquals(want, tok.encode(input, true, true), () -> Arrays.toString(tok.encode(input, true, true)));
    }
}
