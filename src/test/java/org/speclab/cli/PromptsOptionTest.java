package org.speclab.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.speclab.SharedFiles;

/** {@code generate --prompts FILE}: each prompt run as -p runs it, then acceptance and speedup per prompt. */
class PromptsOptionTest {
    private static String model() { return SharedFiles.require("models/stories260K/stories260K.gguf").toString(); }

    @Test
    void eachPromptIsRunAndTabulated(@TempDir Path dir) throws Exception {
        Path file = dir.resolve("prompts.txt");
        Files.writeString(file, "# two prompts\nOnce upon a time\n\nThe dog ran and ran. The dog ran and ran. The dog\n");
        CliRun r;
        System.setProperty("speclab.timing.minSeconds", "0"); // a 260K model's runs are too short to time otherwise
        try {
            r = CliRun.of("generate", "-m", model(), "--prompts", file.toString(), "--draft-layers", "4", "-k", "3", "-t", "0", "-n", "30");
        } finally {
            System.clearProperty("speclab.timing.minSeconds");
        }
        assertEquals(0, r.exitCode(), r.err());
        // stdout: each prompt's text, exactly what -p prints for it
        CliRun one = CliRun.of("generate", "-m", model(), "-p", "Once upon a time", "--draft-layers", "4", "-k", "3", "-t", "0", "-n", "30");
        assertTrue(r.out().startsWith(one.out()), r.out());
        assertTrue(r.out().contains("The dog ran and ran. The dog ran and ran. The dog"), r.out());
        assertTrue(r.err().contains("---------- prompt 2 of 2: The dog ran and ran. The dog ran and ra…"), r.err());
        String table = r.err().substring(r.err().lastIndexOf("| prompt |"));
        assertEquals(4, table.lines().count(), table);
        assertTrue(table.lines().skip(2).allMatch(l -> l.matches("\\| .+ \\| [0-9.]+ \\| [0-9.]+ \\| [0-9.]+% \\| [0-9.]+x \\|")), table);
    }

    @Test
    void badPromptFilesAreOneLine(@TempDir Path dir) throws Exception {
        CliRun missing = CliRun.of("generate", "-m", model(), "--prompts", dir.resolve("none.txt").toString());
        assertEquals(1, missing.exitCode());
        assertEquals("speclab: error: --prompts " + dir.resolve("none.txt") + ": no such file", missing.err().strip());
        Path empty = dir.resolve("empty.txt");
        Files.writeString(empty, "# nothing\n\n");
        CliRun none = CliRun.of("generate", "-m", model(), "--prompts", empty.toString());
        assertTrue(none.err().strip().endsWith("no prompts (one per line; # starts a comment)"), none.err());
        CliRun both = CliRun.of("generate", "-m", model(), "--prompts", empty.toString(), "-p", "Hi");
        assertEquals("speclab: error: give -p or --prompts, not both", both.err().strip());
    }

    @Test
    void theShippedPromptSetReads() throws Exception {
        var prompts = PromptFile.read(Path.of("assets/prompts/speculation.txt"));
        assertTrue(prompts.size() >= 6, prompts.toString());
        assertTrue(prompts.stream().anyMatch(p -> p.contains("\n    if len(arr)")), "\\n is a newline");
    }
}
