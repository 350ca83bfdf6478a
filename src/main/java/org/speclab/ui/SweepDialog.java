package org.speclab.ui;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import javafx.fxml.FXML;
import javafx.scene.control.ButtonType;
import javafx.scene.control.CheckBox;
import javafx.scene.control.Dialog;
import javafx.scene.control.ListView;
import javafx.scene.control.SelectionMode;
import javafx.scene.control.Spinner;
import javafx.scene.control.TextField;
import javafx.stage.Window;
import org.speclab.lab.DrafterChoice;
import org.speclab.lab.Sweep;
import org.speclab.library.ModelEntry;

/** Asks for the grid of a sweep: targets (e.g. one model in several weight types) × drafters × k × temperature; laid out in sweep.fxml. */
final class SweepDialog extends Dialog<Sweep> {
    @FXML private ListView<ModelEntry> sweepTargets;
    @FXML private CheckBox ngram, layers, model;
    @FXML private Spinner<Integer> ngramLength, layerCount, tokens, samples;
    @FXML private ListView<ModelEntry> drafts;
    @FXML private TextField sweepKs, temperatures;
    @FXML private javafx.scene.control.TextArea prompt;
    @FXML private javafx.scene.control.Label sweepError;
    @FXML private javafx.scene.control.ChoiceBox<org.speclab.engine.CacheType> kvCache;

    SweepDialog(Lab lab, Window owner) {
        initOwner(owner);
        setTitle(lab.t("sweep.title"));
        setHeaderText(lab.t("sweep.header"));
        getDialogPane().setContent(lab.load("sweep.fxml", this));
        getDialogPane().getStylesheets().add(SweepDialog.class.getResource("lab.css").toExternalForm());
        List<ModelEntry> usable = lab.models.stream().filter(ModelEntry::runnable).filter(m -> !m.format().equals("huggingface")).toList();
        sweepTargets.getItems().setAll(usable);
        RunView.cacheChoice(lab, kvCache);
        sweepTargets.getSelectionModel().setSelectionMode(SelectionMode.MULTIPLE);
        for (ListView<ModelEntry> list : List.of(sweepTargets, drafts)) {
            list.setCellFactory(v -> new javafx.scene.control.ListCell<>() {
                @Override
                protected void updateItem(ModelEntry m, boolean empty) {
                    super.updateItem(m, empty);
                    setText(empty || m == null ? null : RunView.MODEL_NAMES.toString(m));
                }
            });
        }
        // several drafts, e.g. one draft model in F32, Q8_0 and Q4_1 (the seed varied the draft's weights too)
        drafts.getItems().setAll(usable);
        drafts.getSelectionModel().setSelectionMode(SelectionMode.MULTIPLE);
        drafts.getSelectionModel().getSelectedItems().addListener((javafx.collections.ListChangeListener<ModelEntry>) c -> {
            if (!drafts.getSelectionModel().isEmpty()) model.setSelected(true);
        });
        getDialogPane().getButtonTypes().addAll(ButtonType.OK, ButtonType.CANCEL);
        // a grid that cannot run keeps the dialog open and says what to fix
        getDialogPane().lookupButton(ButtonType.OK).addEventFilter(javafx.event.ActionEvent.ACTION, e -> {
            String problem = sweepTargets.getSelectionModel().isEmpty() ? lab.t("sweep.error.targets")
                    : sweep() == null ? lab.t("sweep.error.numbers") : null;
            sweepError.setText(problem == null ? "" : problem);
            if (problem != null) e.consume();
        });
        setResultConverter(b -> b == ButtonType.OK ? sweep() : null);
    }

    /**
     * gpt-fast's experiments: speculate_k 1, 4, 5, 6, 8, 200 new tokens, greedy, with the n-gram and
     * early-exit drafters beside whatever draft models are chosen.
     */
    @FXML private void seedTable() {
        sweepKs.setText(String.join(",", Sweep.SEED_KS.stream().map(String::valueOf).toList()));
        tokens.getValueFactory().setValue(200);
        temperatures.setText("0");
        ngram.setSelected(true);
        ngramLength.getValueFactory().setValue(3);
        layers.setSelected(true);
    }

    /** The grid as entered, or null when the k values or temperatures are not numbers. */
    private Sweep sweep() {
        List<Path> t = sweepTargets.getSelectionModel().getSelectedItems().stream().map(ModelEntry::path).toList();
        List<DrafterChoice> d = new ArrayList<>();
        if (ngram.isSelected()) d.add(new DrafterChoice.NGram(ngramLength.getValue()));
        if (layers.isSelected()) d.add(new DrafterChoice.EarlyExitLayers(layerCount.getValue()));
        if (model.isSelected()) for (ModelEntry m : drafts.getSelectionModel().getSelectedItems()) d.add(new DrafterChoice.DraftFile(m.path()));
        List<String> prompts = prompt.getText().lines().filter(l -> !l.isBlank()).toList();
        if (prompts.isEmpty()) prompts = List.of("");
        try {
            List<Integer> kList = Arrays.stream(sweepKs.getText().split("[,\\s]+")).filter(x -> !x.isBlank()).map(Integer::parseInt).toList();
            List<Float> tList = Arrays.stream(temperatures.getText().split("[,\\s]+")).filter(x -> !x.isBlank()).map(Float::parseFloat).toList();
            // a llama2.c checkpoint runs with the tokenizer the Library found or the user chose for it
            java.util.Map<Path, Path> tokenizers = new java.util.HashMap<>();
            for (ModelEntry m : sweepTargets.getSelectionModel().getSelectedItems()) if (m.tokenizer() != null) tokenizers.put(m.path(), m.tokenizer());
            if (model.isSelected()) for (ModelEntry m : drafts.getSelectionModel().getSelectedItems()) if (m.tokenizer() != null) tokenizers.put(m.path(), m.tokenizer());
            return new Sweep(t, d, kList, tList, tokens.getValue(), prompts, samples.getValue(), Runtime.getRuntime().availableProcessors(), 1234, "cpu", tokenizers,
                    kvCache.getValue());
        } catch (NumberFormatException e) {
            return null;
        }
    }
}
