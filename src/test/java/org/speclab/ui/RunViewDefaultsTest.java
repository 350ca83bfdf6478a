package org.speclab.ui;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.speclab.library.ModelEntry;

/** The Run view starts with a model that writes text, not noise: the last one run, else a trained one. */
class RunViewDefaultsTest {
    private static ModelEntry model(String file, long parameters) {
        return new ModelEntry(Path.of("/models", file).toAbsolutePath(), "gguf", file, "llama", parameters, "F16", 1000, 512, 512, null, false, null);
    }

    @Test
    void theLastTargetElseTheLargestModelThatIsNotRandom() {
        ModelEntry random = model("llama-2-tiny-random.gguf", 513_048), synthetic = model("synth-200m.gguf", 200_000_000),
                stories = model("stories260K.gguf", 260_000), draft = model("draft.gguf", 100_000);
        List<ModelEntry> all = List.of(random, synthetic, draft, stories);
        assertEquals(stories, RunView.defaultTarget(all, null));
        assertEquals(draft, RunView.defaultTarget(all, draft.path()));
        // a last target no longer listed: the rule again
        assertEquals(stories, RunView.defaultTarget(all, Path.of("/gone/model.gguf")));
        // only random models (the demo pair): the largest of them
        assertEquals(synthetic, RunView.defaultTarget(List.of(random, synthetic), null));
    }
}
