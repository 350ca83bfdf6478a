package org.speclab.ui;

import java.nio.file.Path;
import java.util.Locale;
import javafx.application.Application;
import javafx.fxml.FXML;
import javafx.scene.Scene;
import javafx.scene.control.Alert;
import javafx.scene.control.Tab;
import javafx.scene.control.TabPane;
import javafx.scene.layout.BorderPane;
import javafx.stage.Stage;
import org.speclab.Version;
import org.speclab.lab.ExperimentStore;
import org.speclab.library.ModelLibrary;

/** The SpecLab window: Library, Run and Experiments, in English or Simplified Chinese. */
public final class LabApp extends Application {
    /** Folder to open; set before launch by tests or the command line, else the default library folder. */
    static volatile Path initialFolder;
    /** Where experiment records live; tests point it at a temporary file. */
    static volatile Path experimentsFile;
    /** The language; by default the system's (Chinese systems get Chinese). */
    static volatile Locale locale;

    private Stage stage;
    private RunView run;
    private final org.speclab.jobs.JobRunner jobRunner = new org.speclab.jobs.JobRunner();

    /** Opens the lab; with a model file, its folder is the library shown first. */
    public static void launchLab(Path model) {
        if (model != null) initialFolder = model.toAbsolutePath().getParent();
        Application.launch(LabApp.class);
    }

    static Locale defaultLocale() {
        Locale l = Locale.getDefault();
        return l.getLanguage().equals("zh") ? Locale.SIMPLIFIED_CHINESE : Locale.ENGLISH;
    }

    @Override
    public void start(Stage stage) {
        this.stage = stage;
        LabLog.configure(experimentsFile != null ? experimentsFile.getParent() : Path.of(System.getProperty("user.home"), ".speclab"));
        stage.getIcons().add(new javafx.scene.image.Image(LabApp.class.getResourceAsStream("icon.png")));
        show(locale != null ? locale : defaultLocale());
        stage.show();
        // for smoke tests of installed builds: -Dspeclab.exitAfterSeconds=N closes the lab cleanly
        String exitAfter = System.getProperty("speclab.exitAfterSeconds");
        if (exitAfter != null) {
            javafx.animation.PauseTransition p = new javafx.animation.PauseTransition(javafx.util.Duration.seconds(Double.parseDouble(exitAfter)));
            p.setOnFinished(e -> javafx.application.Platform.exit());
            p.play();
        }
    }

    @FXML private TabPane tabs;
    @FXML private Tab libraryTab, runTab, experimentsTab, jobsTab;
    private Lab lab;

    /** Builds every view in {@code l}'s language (switching language rebuilds the window). */
    void show(Locale l) {
        if (run != null) run.close();
        lab = new Lab(l, experimentsFile != null ? experimentsFile : ExperimentStore.defaultFile(), jobRunner);
        lab.host = getHostServices();
        BorderPane root = lab.load("lab.fxml", this);
        Path folder = initialFolder != null ? initialFolder : ModelLibrary.defaultFolder();
        JobsView jobs = new JobsView(lab, (experimentsFile != null ? experimentsFile : ExperimentStore.defaultFile()).resolveSibling("jobs.json"));
        // the default library also shows the models other tools keep (Hugging Face cache, LM Studio)
        LibraryView library = new LibraryView(lab, jobs, folder, initialFolder == null ? ModelLibrary.knownFolders() : java.util.List.of(), stage);
        run = new RunView(lab);
        ExperimentsView experiments = new ExperimentsView(lab, jobs, stage);
        libraryTab.setContent(library.root());
        runTab.setContent(run.root());
        experimentsTab.setContent(experiments.root());
        jobsTab.setContent(jobs.root());
        Scene scene = new Scene(root);
        scene.getStylesheets().add(LabApp.class.getResource("lab.css").toExternalForm());
        stage.setTitle("SpecLab " + Version.get());
        stage.setScene(scene);
        library.rescan();
        experiments.load();
    }

    @FXML private void english() { show(Locale.ENGLISH); }

    @FXML private void chinese() { show(Locale.SIMPLIFIED_CHINESE); }

    @FXML private void about() {
        Alert a = new Alert(Alert.AlertType.INFORMATION, lab.t("about.text", Version.get(), Runtime.version()));
        a.setHeaderText("SpecLab " + Version.get());
        a.initOwner(stage);
        a.show();
    }

    @Override
    public void stop() {
        if (run != null) run.close();
        jobRunner.close();
    }
}
