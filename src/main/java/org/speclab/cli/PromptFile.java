package org.speclab.cli;

import java.io.IOException;
import java.io.PrintStream;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/** {@code generate --prompts FILE}: the prompt list it reads and the per-prompt table it prints. */
final class PromptFile {
    private PromptFile() {}

    /** Prompts, one per line: lines starting with # and blank lines skipped, the two characters \n a newline. */
    static List<String> read(Path file) throws IOException {
        String text;
        try {
            text = StandardCharsets.UTF_8.newDecoder().decode(java.nio.ByteBuffer.wrap(Files.readAllBytes(file))).toString();
        } catch (java.nio.file.NoSuchFileException e) {
            throw new IllegalArgumentException("--prompts " + file + ": no such file");
        } catch (CharacterCodingException e) {
            throw new IllegalArgumentException("--prompts " + file + ": not UTF-8 text");
        }
        List<String> prompts = new ArrayList<>();
        for (String line : text.split("\r?\n")) {
            if (line.isBlank() || line.startsWith("#")) continue;
            prompts.add(line.replace("\\n", "\n"));
        }
        if (prompts.isEmpty()) throw new IllegalArgumentException("--prompts " + file + ": no prompts (one per line; # starts a comment)");
        return prompts;
    }

    /** A prompt on one line, at most 40 characters. */
    static String label(String prompt) {
        String one = prompt.replace("\n", "\\n");
        return one.isEmpty() ? "(BOS)" : one.length() <= 40 ? one : one.substring(0, 39) + "…";
    }

    /** The per-prompt table, Markdown, on stderr. */
    static void printTable(PrintStream err, List<String[]> rows, boolean speculating) {
        err.println("==========");
        err.println(speculating ? "| prompt | tokens/s | mean accepted | accepted | speedup |" : "| prompt | tokens/s |");
        err.println(speculating ? "| --- | ---: | ---: | ---: | ---: |" : "| --- | ---: |");
        for (String[] r : rows) {
            String prompt = r[0].replace("|", "\\|");
            err.println(speculating ? "| " + prompt + " | " + r[1] + " | " + r[2] + " | " + r[3] + " | " + r[4] + " |" : "| " + prompt + " | " + r[1] + " |");
        }
    }
}
