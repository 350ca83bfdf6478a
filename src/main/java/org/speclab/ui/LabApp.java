package org.speclab.ui;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.function.UnaryOperator;
import javafx.application.Application;
import javafx.fxml.FXML;
import javafx.geometry.Rectangle2D;
import javafx.scene.Scene;
import javafx.scene.control.Alert;
import javafx.scene.control.Tab;
import javafx.scene.control.TabPane;
import javafx.scene.layout.BorderPane;
import javafx.stage.Screen;
import javafx.stage.Stage;
import org.speclab.Version;
import org.speclab.library.ModelLibrary;
import org.speclab.library.WorkspaceSettings;

/**
 * The SpecLab window: Library, Run, Experiments and Jobs, in English or Simplified Chinese. What it
 * remembers (folders, window, language) is kept in the workspace's settings.json.
 */
public final class LabApp extends Application {
    /** A folder to list first for this session (the folder of a model given on the command line, or a test's). */
    static volatile Path initialFolder;
    /** Where experiment records live; their folder is the workspace. Tests point it at a temporary file. */
    static volatile Path experimentsFile;
    /** The language when forced (tests); else the one last chosen, else the system's (Chinese systems get Chinese). */
    static volatile Locale locale;
    /** The save and open dialogs; tests put answers of their own here (TestFX cannot drive the desktop's dialogs). */
    static volatile FileDialogs fileDialogs = FileDialogs.NATIVE;

    private Stage stage;
    private RunView run;
    private final org.speclab.jobs.JobRunner jobRunner = new org.speclab.jobs.JobRunner();
    private Path workspace;
    private WorkspaceSettings settings = WorkspaceSettings.NONE;
    @FXML private TabPane tabs;
    @FXML private Tab libraryTab, runTab, experimentsTab, jobsTab;
    @FXML private javafx.scene.control.RadioMenuItem english, chinese;
    /** Kept here, not in the view: a language switch rebuilds the Jobs view while its jobs run on. */
    private final javafx.collections.ObservableList<JobsView.Row> jobRows = javafx.collections.FXCollections.observableArrayList();
    private Lab lab;

    /** Opens the lab; with a model file, its folder is the library shown first. */
    public static void launchLab(Path model) {
        if (model != null) initialFolder = model.toAbsolutePath().getParent();
        Application.launch(LabApp.class);
    }

    static Locale defaultLocale() {
        Locale l = Locale.getDefault();
        return l.getLanguage().equals("zh") ? Locale.SIMPLIFIED_CHINESE : Locale.ENGLISH;
    }

    static Path workspace() {
        Path f = experimentsFile;
        return f != null ? f.toAbsolutePath().getParent() : Path.of(System.getProperty("user.home"), ".speclab");
    }

    @Override
    public void start(Stage stage) {
        this.stage = stage;
        workspace = workspace();
        LabLog.configure(workspace);
        var read = WorkspaceSettings.load(WorkspaceSettings.file(workspace));
        settings = read.value();
        if (read.warning() != null) LabLog.error(read.warning(), null); // defaults are better than no lab
        stage.getIcons().add(new javafx.scene.image.Image(LabApp.class.getResourceAsStream("icon.png")));
        Locale chosen = locale != null ? locale : settings.language() != null ? Locale.forLanguageTag(settings.language()) : defaultLocale();
        show(chosen.getLanguage().equals("zh") ? Locale.SIMPLIFIED_CHINESE : Locale.ENGLISH);
        placeWindow();
        stage.setOnHiding(e -> rememberWindow());
        stage.show();
        // for smoke tests of installed builds: -Dspeclab.exitAfterSeconds=N closes the lab cleanly
        String exitAfter = System.getProperty("speclab.exitAfterSeconds");
        if (exitAfter != null) {
            javafx.animation.PauseTransition p = new javafx.animation.PauseTransition(javafx.util.Duration.seconds(Double.parseDouble(exitAfter)));
            p.setOnFinished(e -> javafx.application.Platform.exit());
            p.play();
        }
    }

    /** The library's folders: those chosen before (or the defaults), with this session's folder first. */
    private List<Path> libraryFolders() {
        List<Path> saved = settings.folderPaths();
        List<Path> out = new ArrayList<>();
        Path first = initialFolder;
        if (first != null) out.add(first.toAbsolutePath().normalize());
        // a session started on one folder (a model on the command line, a test) does not pull in other tools' caches
        List<Path> rest = saved != null ? saved : first != null ? List.of() : ModelLibrary.defaultFolders();
        for (Path p : rest) if (!out.contains(p)) out.add(p);
        return out;
    }

    /** Builds every view in {@code l}'s language (switching language rebuilds the window; jobs go on). */
    void show(Locale l) {
        org.speclab.jobs.JobTexts.use(l);
        if (run != null) run.close();
        lab = new Lab(l, workspace.resolve(experimentsFile != null ? experimentsFile.getFileName().toString() : "experiments.json"), jobRunner);
        lab.host = getHostServices();
        lab.settings = () -> settings;
        lab.remember = this::update;
        lab.files = fileDialogs;
        BorderPane root = lab.load("lab.fxml", this);
        (l.getLanguage().equals("zh") ? chinese : english).setSelected(true);
        JobsView jobs = new JobsView(lab, workspace.resolve("jobs.json"), jobRows);
        LibraryView library = new LibraryView(lab, jobs, libraryFolders(), f -> update(s -> s.withFolders(f)), stage);
        run = new RunView(lab);
        ExperimentsView experiments = new ExperimentsView(lab, jobs, stage);
        libraryTab.setContent(library.root());
        runTab.setContent(run.root());
        experimentsTab.setContent(experiments.root());
        jobsTab.setContent(jobs.root());
        Scene old = stage.getScene();
        Scene scene = old == null ? new Scene(root) : new Scene(root, old.getWidth(), old.getHeight());
        scene.getStylesheets().add(LabApp.class.getResource("lab.css").toExternalForm());
        stage.setTitle("SpecLab " + Version.get());
        stage.setScene(scene);
        library.rescan();
        experiments.load();
    }

    @FXML private void english() { switchTo(Locale.ENGLISH); }

    @FXML private void chinese() { switchTo(Locale.SIMPLIFIED_CHINESE); }

    /** A language switch rebuilds the views in the new language; the open tab and the Run settings stay. */
    private void switchTo(Locale l) {
        update(s -> s.withLanguage(l.toLanguageTag()));
        int tab = tabs.getSelectionModel().getSelectedIndex();
        org.speclab.library.WorkspaceSettings.Run settings = run.remembered();
        Path target = run.targetPath();
        show(l);
        tabs.getSelectionModel().select(tab);
        run.restore(settings, target);
    }

    /** Help → the built-in guide: how speculation works and what each figure in the views means. */
    @FXML void guide() {
        javafx.scene.control.TextArea text = new javafx.scene.control.TextArea(lab.t("guide.text"));
        text.setId("guideText");
        text.setEditable(false);
        text.setWrapText(true);
        text.setPrefSize(680, 520);
        Alert a = new Alert(Alert.AlertType.INFORMATION);
        a.setTitle(lab.t("menu.guide"));
        a.setHeaderText(lab.t("guide.title"));
        a.getDialogPane().setContent(text);
        a.setResizable(true);
        a.initOwner(stage);
        a.show();
    }

    @FXML private void about() {
        Alert a = new Alert(Alert.AlertType.INFORMATION, lab.t("about.text", Version.get(), Runtime.version()));
        a.setHeaderText("SpecLab " + Version.get());
        a.initOwner(stage);
        a.show();
    }

    /** Puts the window where it was, unless that place is on no screen any more (a monitor unplugged). */
    private void placeWindow() {
        WorkspaceSettings.Window w = settings.window();
        if (w == null || !w.usable()) return;
        if (Screen.getScreensForRectangle(new Rectangle2D(w.x(), w.y(), w.width(), w.height())).isEmpty()) return;
        stage.setX(w.x());
        stage.setY(w.y());
        stage.setWidth(w.width());
        stage.setHeight(w.height());
        stage.setMaximized(w.maximized());
    }

    private void rememberWindow() {
        if (stage.isIconified()) return;
        update(s -> s.withWindow(stage.isMaximized() && s.window() != null
                ? new WorkspaceSettings.Window(s.window().x(), s.window().y(), s.window().width(), s.window().height(), true)
                : new WorkspaceSettings.Window(stage.getX(), stage.getY(), stage.getWidth(), stage.getHeight(), stage.isMaximized())));
    }

    /** Changes the settings and writes them at once (a small file): a crash loses nothing chosen before it. */
    private void update(UnaryOperator<WorkspaceSettings> change) {
        settings = change.apply(settings);
        try {
            settings.save(WorkspaceSettings.file(workspace));
        } catch (Exception e) {
            LabLog.error("settings not saved", e);
        }
    }

    @Override
    public void stop() {
        if (run != null) run.close();
        jobRunner.close();
    }
}
