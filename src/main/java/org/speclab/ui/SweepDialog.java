package org.speclab.ui;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import javafx.scene.control.ButtonType;
import javafx.scene.control.CheckBox;
import javafx.scene.control.ComboBox;
import javafx.scene.control.Dialog;
import javafx.scene.control.Label;
import javafx.scene.control.ListView;
import javafx.scene.control.SelectionMode;
import javafx.scene.control.Spinner;
import javafx.scene.control.TextField;
import javafx.scene.layout.GridPane;
import javafx.scene.layout.HBox;
import javafx.stage.Window;
import org.speclab.lab.Sweep;
import org.speclab.library.ModelEntry;

/** Asks for the grid of a sweep: targets (e.g. one model in several weight types) × drafters × k × temperature. */
final class SweepDialog extends Dialog<Sweep> {
    SweepDialog(Lab lab, Window owner) {
        initOwner(owner);
        setTitle(lab.t("sweep.title"));
        setHeaderText(lab.t("sweep.header"));
        List<ModelEntry> usable = lab.models.stream().filter(ModelEntry::readable).filter(m -> !m.format().equals("huggingface")).toList();
        ListView<ModelEntry> targets = new ListView<>();
        targets.setId("sweepTargets");
        targets.getItems().setAll(usable);
        targets.getSelectionModel().setSelectionMode(SelectionMode.MULTIPLE);
        targets.setPrefHeight(140);
        targets.setCellFactory(v -> new javafx.scene.control.ListCell<>() {
            @Override
            protected void updateItem(ModelEntry m, boolean empty) {
                super.updateItem(m, empty);
                setText(empty || m == null ? null : m.name() + "  (" + m.weightType() + ")");
            }
        });
        CheckBox ngram = new CheckBox(lab.t("run.drafter.ngram")), layers = new CheckBox(lab.t("run.drafter.layers")), model = new CheckBox(lab.t("run.drafter.model"));
        ngram.setSelected(true);
        Spinner<Integer> n = new Spinner<>(1, 8, 3), l = new Spinner<>(1, 64, 2);
        ComboBox<ModelEntry> draft = new ComboBox<>();
        draft.getItems().setAll(usable);
        TextField ks = new TextField("1,2,4,8"), temps = new TextField("0"), prompt = new TextField("Once upon a time");
        Spinner<Integer> tokens = new Spinner<>(8, 100000, 100);
        ks.setId("sweepKs");
        GridPane g = new GridPane();
        g.setHgap(8);
        g.setVgap(6);
        int r = 0;
        g.addRow(r++, new Label(lab.t("sweep.targets")), targets);
        g.addRow(r++, new Label(lab.t("run.drafter")), new HBox(8, ngram, n));
        g.addRow(r++, new Label(""), new HBox(8, layers, l));
        g.addRow(r++, new Label(""), new HBox(8, model, draft));
        g.addRow(r++, new Label(lab.t("sweep.ks")), ks);
        g.addRow(r++, new Label(lab.t("sweep.temperatures")), temps);
        g.addRow(r++, new Label(lab.t("run.maxTokens")), tokens);
        g.addRow(r, new Label(lab.t("run.prompt")), prompt);
        getDialogPane().setContent(g);
        getDialogPane().getButtonTypes().addAll(ButtonType.OK, ButtonType.CANCEL);
        setResultConverter(b -> {
            if (b != ButtonType.OK) return null;
            List<Path> t = targets.getSelectionModel().getSelectedItems().stream().map(ModelEntry::path).toList();
            List<Sweep.DrafterSpec> d = new ArrayList<>();
            if (ngram.isSelected()) d.add(new Sweep.DrafterSpec("ngram", n.getValue(), null));
            if (layers.isSelected()) d.add(new Sweep.DrafterSpec("layers", l.getValue(), null));
            if (model.isSelected() && draft.getValue() != null) d.add(new Sweep.DrafterSpec("draft", 0, draft.getValue().path()));
            try {
                List<Integer> kList = Arrays.stream(ks.getText().split("[,\\s]+")).filter(x -> !x.isBlank()).map(Integer::parseInt).toList();
                List<Float> tList = Arrays.stream(temps.getText().split("[,\\s]+")).filter(x -> !x.isBlank()).map(Float::parseFloat).toList();
                return new Sweep(t, d, kList, tList, tokens.getValue(), prompt.getText(), Runtime.getRuntime().availableProcessors(), 1234);
            } catch (NumberFormatException e) {
                return null;
            }
        });
    }
}
