package org.speclab.cli;

import java.nio.file.Path;
import java.util.Arrays;
import java.util.concurrent.Callable;
import org.speclab.format.ModelFiles;
import org.speclab.format.TokenizerFiles;
import org.speclab.model.ModelFile;
import org.speclab.tokenizer.Tokenizer;
import org.speclab.tokenizer.Tokenizers;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/** {@code speclab tokenize -m FILE TEXT}: token ids like {@code [1, 403, 407]}. */
@Command(name = "tokenize", mixinStandardHelpOptions = true, description = {"Print the token ids of a text.",
                "-m takes a model, or only its vocabulary (llama2.c tokenizer .bin, SentencePiece .model, tokenizer.json)."})
final class TokenizeCommand implements Callable<Integer> {
    @picocli.CommandLine.ParentCommand
    Cli cli;

    @picocli.CommandLine.Mixin
    EngineOptions.Model source;

    @Option(names = "--no-bos", description = "do not put BOS in front")
    boolean noBos;

    @Parameters(index = "0", description = "text to tokenize")
    String text;

    @Override
    public Integer call() {
        Path model = source.path();
        Tokenizer tok;
        if (org.speclab.format.FileKind.of(model) == org.speclab.format.FileKind.GGUF) {
            try (ModelFile f = ModelFiles.openGguf(model)) {
                tok = Tokenizers.fromMetadata(model, f.metadata());
            }
        } else {
            tok = Tokenizers.fromMetadata(model, TokenizerFiles.read(model, -1));
        }
        int[] ids = tok.encode(text, !noBos && tok.addBosByDefault());
        cli.out.println(Arrays.toString(ids));
        return 0;
    }
}
