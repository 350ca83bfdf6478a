package org.speclab.ui;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Comparator;
import java.util.List;
import java.util.Locale;
import java.util.stream.Stream;
import javafx.scene.control.Alert;
import javafx.scene.control.ButtonType;
import javafx.scene.control.ChoiceDialog;
import org.speclab.gguf.GgmlType;
import org.speclab.jobs.ConvertJob;
import org.speclab.jobs.QuantType;
import org.speclab.jobs.QuantizeJob;
import org.speclab.jobs.SynthJob;
import org.speclab.jobs.WidenJob;
import org.speclab.library.ModelEntry;
import org.speclab.library.ModelLibrary;
import org.speclab.quant.WeightType;

/** What the Library's buttons do: quantize, convert and delete a model, or make a demo pair. */
final class LibraryActions {
    private LibraryActions() {}

    static void quantize(LibraryView v, ModelEntry m) {
        Lab lab = v.lab();
        List<String> choices = Stream.of(QuantType.values())
                .map(t -> lab.t("library.quantize.estimate", t, Formats.bytes((long) (m.parameters() * t.bitsPerWeight() / 8)))).toList();
        ChoiceDialog<String> d = new ChoiceDialog<>(choices.getFirst(), choices);
        d.setHeaderText(lab.t("library.quantize.title", m.name()));
        d.initOwner(v.owner());
        d.showAndWait().ifPresent(choice -> {
            QuantType t = QuantType.values()[choices.indexOf(choice)];
            Path out = saveAs(v, lab.t("library.quantize.title", m.name()), m.name() + "-" + t.name().toLowerCase(Locale.ROOT) + ".gguf");
            if (out != null) v.jobs().submit(new QuantizeJob(m.path(), out, t, false, true), r -> v.rescan());
        });
    }

    static void convert(LibraryView v, ModelEntry m) {
        Lab lab = v.lab();
        if (needsTokenizer(v, m)) return;
        List<String> choices = ConvertJob.TYPES.stream().map(t -> t.name().toLowerCase(Locale.ROOT)).toList();
        ChoiceDialog<String> d = new ChoiceDialog<>("f16", choices);
        d.setHeaderText(lab.t("library.convert.title", m.name()));
        d.initOwner(v.owner());
        d.showAndWait().ifPresent(choice -> {
            GgmlType t = GgmlType.valueOf(choice.toUpperCase(Locale.ROOT));
            Path out = saveAs(v, lab.t("library.convert.title", m.name()), m.name() + "-" + choice + ".gguf");
            if (out != null) v.jobs().submit(new ConvertJob(m.path(), m.tokenizer(), out, t, false), r -> v.rescan());
        });
    }

    /**
     * "Memory-bound stand-in…": a widened copy (synth --widen) beside the model, at a factor and type
     * the user picks, each with its size, so speculation can be measured on a target that streams
     * its weights from memory yet keeps a trained draft's agreement.
     */
    static void widen(LibraryView v, ModelEntry m) {
        Lab lab = v.lab();
        if (needsTokenizer(v, m)) return;
        record Choice(int factor, GgmlType type) {}
        List<Choice> options = List.of(new Choice(8, GgmlType.F16), new Choice(16, GgmlType.F16), new Choice(32, GgmlType.F16),
                new Choice(32, GgmlType.Q8_0), new Choice(32, GgmlType.Q4_0));
        // about R² times the parameters (every matrix but the embeddings grows in both directions)
        List<String> choices = options.stream().map(c -> lab.t("library.widen.choice", c.factor(), c.type(),
                Formats.bytes((long) (m.parameters() * (double) c.factor() * c.factor() * WeightType.of(c.type()).bitsPerWeight() / 8)))).toList();
        ChoiceDialog<String> d = new ChoiceDialog<>(choices.get(2), choices);
        d.setHeaderText(lab.t("library.widen.title", m.name()));
        d.initOwner(v.owner());
        d.showAndWait().ifPresent(choice -> {
            Choice c = options.get(choices.indexOf(choice));
            Path out = saveAs(v, lab.t("library.widen.save", m.name()), m.name() + "-x" + c.factor() + "-" + c.type().name().toLowerCase(Locale.ROOT) + ".gguf");
            if (out != null) v.jobs().submit(new WidenJob(m.path(), m.tokenizer(), c.factor(), c.factor(), c.type(), out, false), r -> v.rescan());
        });
    }

    /**
     * Where a new model goes: the user says, in a save dialog that opens in the SpecLab models folder
     * (the model's own folder may be read-only, or shared), or null when cancelled. The folder chosen
     * is listed in the library, so the new model shows up there when its job is done.
     */
    private static Path saveAs(LibraryView v, String title, String name) {
        Path out = v.lab().files.save(v.owner(), title, ModelLibrary.defaultFolder(), name);
        if (out == null) return null;
        if (!out.getFileName().toString().toLowerCase(Locale.ROOT).endsWith(".gguf")) out = out.resolveSibling(out.getFileName() + ".gguf");
        out = out.toAbsolutePath().normalize();
        v.listFolder(out.getParent());
        return out;
    }

    /** A checkpoint with no vocabulary cannot be converted: the status line says how to give it one. */
    private static boolean needsTokenizer(LibraryView v, ModelEntry m) {
        if (m.needsTokenizer()) v.say(v.lab().t("library.tokenizer.first", m.path().getFileName()));
        return m.needsTokenizer();
    }

    /**
     * Deletes a model's file (or folder) once confirmed. A model the run under way reads can go too: its weights are
     * mapped, so the run goes on to its end with what it loaded (where the system refuses to delete a mapped file, as
     * Windows does, its error is shown); the dialog says that first, and the status line after.
     */
    static void delete(LibraryView v, ModelEntry m) {
        Lab lab = v.lab();
        String name = m.path().getFileName().toString();
        boolean inUse = lab.running.contains(m.path());
        String ask = lab.t("library.delete.confirm", m.path(), Formats.bytes(m.sizeBytes()));
        Alert a = new Alert(Alert.AlertType.CONFIRMATION, inUse ? lab.t("library.delete.inUse", name) + "\n\n" + ask : ask,
                ButtonType.CANCEL, ButtonType.OK);
        a.initOwner(v.owner());
        a.showAndWait().filter(b -> b == ButtonType.OK).ifPresent(b -> {
            try (Stream<Path> all = Files.walk(m.path())) {
                for (Path p : all.sorted(Comparator.reverseOrder()).toList()) Files.delete(p);
            } catch (IOException e) {
                new Alert(Alert.AlertType.ERROR, m.path() + ": " + e.getMessage()).show();
                v.rescan();
                return;
            }
            // the run may have ended while the dialog was open
            v.rescanAfter(lab.t(inUse && lab.running.contains(m.path()) ? "library.deleted.inUse" : "library.deleted", name));
        });
    }

    /** A synthetic target and a 2-layer draft that shares its first layers, both Q8_0, in the library folder. */
    static void demo(LibraryView v) {
        try {
            Files.createDirectories(v.folder());
        } catch (IOException e) {
            new Alert(Alert.AlertType.ERROR, v.folder() + ": " + e.getMessage()).show();
            return;
        }
        SynthJob.Shape target = new SynthJob.Shape("demo-target", 512, 8, 8, 4, 1408, 512, 1024);
        SynthJob.Shape draft = new SynthJob.Shape("demo-draft", 512, 2, 8, 4, 1408, 512, 1024);
        v.jobs().submit(new SynthJob(target, GgmlType.Q8_0, null, v.folder().resolve("demo-target-q8_0.gguf"), 7, true), p -> v.rescan());
        v.jobs().submit(new SynthJob(draft, GgmlType.Q8_0, null, v.folder().resolve("demo-draft-q8_0.gguf"), 7, true), p -> v.rescan());
    }
}
