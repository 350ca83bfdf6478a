package org.speclab.ui;

import java.nio.file.Path;
import java.text.MessageFormat;
import java.util.Locale;
import java.util.ResourceBundle;
import javafx.collections.FXCollections;
import javafx.collections.ObservableList;
import org.speclab.lab.Experiment;
import org.speclab.lab.ExperimentStore;
import org.speclab.library.ModelEntry;

/** What the views share: the texts of the chosen language, the models found, the experiments run. */
final class Lab {
    final ResourceBundle texts;
    final ObservableList<ModelEntry> models = FXCollections.observableArrayList();
    final ObservableList<Experiment> experiments = FXCollections.observableArrayList();
    final ExperimentStore store;
    /** Outlives the views: switching language rebuilds them, running jobs go on. */
    final org.speclab.jobs.JobRunner jobs;
    /** The workspace settings as they are now, and how to change them (both set by the application). */
    java.util.function.Supplier<org.speclab.library.WorkspaceSettings> settings = () -> org.speclab.library.WorkspaceSettings.NONE;
    java.util.function.Consumer<java.util.function.UnaryOperator<org.speclab.library.WorkspaceSettings>> remember = change -> {};
    /** Opens folders in the desktop's file manager (set by the application). */
    javafx.application.HostServices host;
    /** The model files the run under way reads (empty when none runs): the Library warns before deleting one. */
    volatile java.util.Set<Path> running = java.util.Set.of();
    /** Save and open dialogs (tests replace them). */
    FileDialogs files = FileDialogs.NATIVE;

    Lab(Locale locale, Path experimentsFile, org.speclab.jobs.JobRunner jobs) {
        this.jobs = jobs;
        this.texts = ResourceBundle.getBundle("org.speclab.ui.messages", locale);
        this.store = new ExperimentStore(experimentsFile);
    }

    /**
     * Builds the view laid out in {@code fxml} (beside this class) with its {@code %key} texts from
     * this language; {@code controller} receives the {@code fx:id} nodes and the {@code #handlers}.
     */
    <T extends javafx.scene.Parent> T load(String fxml, Object controller) {
        javafx.fxml.FXMLLoader loader = new javafx.fxml.FXMLLoader(Lab.class.getResource(fxml), texts);
        loader.setController(controller);
        try {
            return loader.load();
        } catch (java.io.IOException e) {
            throw new java.io.UncheckedIOException("the lab's layout " + fxml + " cannot be read", e);
        }
    }

    /** The vocabulary {@code model} runs with when it carries none (chosen, or found beside it), or null. */
    Path tokenizerFor(Path model) {
        return org.speclab.library.ModelLibrary.tokenizerFor(model, settings.get());
    }

    String t(String key, Object... args) {
        String s = texts.getString(key);
        return args.length == 0 ? s : new MessageFormat(s, texts.getLocale()).format(args);
    }
}
