package org.speclab.ui;

import java.io.File;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import javafx.stage.FileChooser;
import javafx.stage.Window;

/**
 * The file dialogs the lab asks with: where to save a new model, which tokenizer a checkpoint runs
 * with. Replaceable ({@link LabApp#fileDialogs}) because TestFX cannot drive the desktop's own
 * dialogs on the headless platform. Each answers null when the user cancels.
 */
interface FileDialogs {
    /** Where to write a new file: opens in {@code folder} with {@code name} filled in. */
    Path save(Window owner, String title, Path folder, String name);

    /** An existing file to use, starting in {@code folder}. */
    Path open(Window owner, String title, Path folder);

    /** The desktop's own dialogs. */
    FileDialogs NATIVE = new FileDialogs() {
        @Override
        public Path save(Window owner, String title, Path folder, String name) {
            FileChooser fc = chooser(title, folder);
            fc.setInitialFileName(name);
            File f = fc.showSaveDialog(owner);
            return f == null ? null : f.toPath();
        }

        @Override
        public Path open(Window owner, String title, Path folder) {
            File f = chooser(title, folder).showOpenDialog(owner);
            return f == null ? null : f.toPath();
        }

        private static FileChooser chooser(String title, Path folder) {
            FileChooser fc = new FileChooser();
            fc.setTitle(title);
            try {
                Files.createDirectories(folder); // the SpecLab models folder may not exist yet
            } catch (IOException | RuntimeException e) {
                // the dialog then opens where the desktop likes
            }
            if (folder != null && Files.isDirectory(folder)) fc.setInitialDirectory(folder.toFile());
            return fc;
        }
    };
}
