package org.speclab.ui;

import java.nio.file.Path;
import java.util.Locale;
import javafx.application.Application;
import javafx.scene.Scene;
import javafx.scene.control.Alert;
import javafx.scene.control.Menu;
import javafx.scene.control.MenuBar;
import javafx.scene.control.MenuItem;
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

    /** Builds every view in {@code l}'s language (switching language rebuilds the window). */
    void show(Locale l) {
        if (run != null) run.stop();
        Lab lab = new Lab(l, experimentsFile != null ? experimentsFile : ExperimentStore.defaultFile(), jobRunner);
        lab.host = getHostServices();
        Path folder = initialFolder != null ? initialFolder : ModelLibrary.defaultFolder();
        JobsView jobs = experimentsFile != null ? new JobsView(lab, experimentsFile.resolveSibling("jobs.json")) : new JobsView(lab);
        // the default library also shows the models other tools keep (Hugging Face cache, LM Studio)
        LibraryView library = new LibraryView(lab, jobs, folder, initialFolder == null ? ModelLibrary.knownFolders() : java.util.List.of(), stage);
        run = new RunView(lab);
        ExperimentsView experiments = new ExperimentsView(lab, jobs, stage);
        TabPane tabs = new TabPane(tab(lab.t("tab.library"), "tab-library", library.root()),
                tab(lab.t("tab.run"), "tab-run", run.root()), tab(lab.t("tab.experiments"), "tab-experiments", experiments.root()),
                tab(lab.t("tab.jobs"), "tab-jobs", jobs.root()));
        tabs.setId("tabs");
        Menu language = new Menu(lab.t("menu.language"));
        MenuItem en = new MenuItem("English"), zh = new MenuItem("简体中文");
        en.setOnAction(e -> show(Locale.ENGLISH));
        zh.setOnAction(e -> show(Locale.SIMPLIFIED_CHINESE));
        language.getItems().addAll(en, zh);
        Menu help = new Menu(lab.t("menu.about"));
        MenuItem about = new MenuItem(lab.t("menu.about") + " SpecLab");
        about.setOnAction(e -> {
            Alert a = new Alert(Alert.AlertType.INFORMATION, lab.t("about.text", Version.get(), Runtime.version()));
            a.setHeaderText("SpecLab " + Version.get());
            a.initOwner(stage);
            a.show();
        });
        help.getItems().add(about);
        BorderPane root = new BorderPane(tabs);
        root.setTop(new MenuBar(language, help));
        Scene scene = new Scene(root, 1200, 760);
        scene.getStylesheets().add(LabApp.class.getResource("lab.css").toExternalForm());
        stage.setTitle("SpecLab " + Version.get());
        stage.setScene(scene);
        library.rescan();
        experiments.load();
    }

    private static Tab tab(String title, String id, javafx.scene.Node content) {
        Tab t = new Tab(title, content);
        t.setId(id);
        t.setClosable(false);
        return t;
    }

    @Override
    public void stop() {
        if (run != null) run.stop();
        jobRunner.close();
    }
}
