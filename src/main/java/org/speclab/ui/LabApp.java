package org.speclab.ui;

import java.nio.file.Path;
import javafx.application.Application;
import javafx.scene.Scene;
import javafx.stage.Stage;
import org.speclab.Version;
import org.speclab.library.ModelLibrary;

/** The SpecLab window. For now: the model library of one folder. */
public final class LabApp extends Application {
    /** Folder to open; set before launch by tests or the command line, else the default library folder. */
    static volatile Path initialFolder;

    public static void launchLab(String[] args) {
        Application.launch(LabApp.class, args);
    }

    @Override
    public void start(Stage stage) {
        Path folder = initialFolder != null ? initialFolder : ModelLibrary.defaultFolder();
        LibraryView library = new LibraryView(folder, stage);
        Scene scene = new Scene(library.root(), 1100, 640);
        scene.getStylesheets().add(LabApp.class.getResource("lab.css").toExternalForm());
        stage.setTitle("SpecLab " + Version.get());
        stage.setScene(scene);
        stage.show();
        library.rescan();
    }
}
