package org.speclab.ui;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.concurrent.TimeUnit;
import javafx.scene.Node;
import javafx.scene.Scene;
import javafx.scene.control.ScrollPane;
import javafx.scene.text.Text;
import javafx.scene.text.TextFlow;
import javafx.stage.Stage;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.ExtendWith;
import org.speclab.SharedFiles;
import org.speclab.decode.TokenKind;
import org.speclab.gguf.GgufFile;
import org.speclab.tokenizer.TextStream;
import org.speclab.tokenizer.Tokenizer;
import org.speclab.tokenizer.Tokenizers;
import org.testfx.api.FxRobot;
import org.testfx.framework.junit5.ApplicationExtension;
import org.testfx.framework.junit5.Start;
import org.testfx.util.WaitForAsyncUtils;

/**
 * The Run view's token stream with the text a random model produces. Shaping such text in one
 * long Text node took the JavaFX thread seconds per layout pass (15 s for 8,000 characters of a
 * letter and an accent) and, fed by a fast run, minutes: a stalled frame is simulated here and
 * every layout pass must end well within a bound a freeze would break.
 */
@ExtendWith(ApplicationExtension.class)
@Timeout(value = 3, unit = TimeUnit.MINUTES, threadMode = Timeout.ThreadMode.SEPARATE_THREAD)
class StreamFlowTest {
    /** Far above the tens of milliseconds a pass takes; a pass over one unbounded node takes longer. */
    private static final long MAX_LAYOUT_MS = 10_000;

    private TextFlow stream;
    private ScrollPane scroll;
    private StreamFlow flow;

    private Stage window;

    /** A window of its own: the shared primary stage would keep this one's size for the lab tests that follow. */
    @Start
    void start(Stage primary) {
        stream = new TextFlow();
        scroll = new ScrollPane(stream);
        scroll.setFitToWidth(true);
        flow = new StreamFlow(stream);
        window = new Stage();
        window.setScene(new Scene(scroll, 700, 300)); // about the Run view's stream pane
        window.show();
    }

    @AfterEach
    void close(FxRobot robot) {
        robot.interact(window::close);
    }

    @Test
    void ordinaryTextIsShownWholeInShortNodes(FxRobot robot) {
        String story = "Once upon a time, there was a little girl named Lily. 从前有一个小女孩。\n";
        robot.interact(() -> {
            for (String word : story.split("(?<= )")) flow.add(TokenKind.TARGET, word);
            flow.add(TokenKind.ACCEPTED_DRAFT, "She");
            flow.show();
        });
        assertEquals(story + "She", shown());
        for (Node n : stream.getChildren()) assertTrue(((Text) n).getText().length() <= StreamFlow.CHUNK_CHARS);
        assertEquals(TokenKind.ACCEPTED_DRAFT, stream.getChildren().getLast().getUserData());
        assertTrue(stream.getChildren().getLast().getStyleClass().contains("token-accepted_draft"));
    }

    @Test
    void aLongTokenWithoutSpacesWrapsInsideTheViewNotUnderItsScrollBar(FxRobot robot) {
        robot.interact(() -> {
            // enough lines for the vertical scroll bar, then 600 characters with nowhere to break
            for (int i = 0; i < 40; i++) flow.add(TokenKind.TARGET, "line " + i + "\n");
            for (int i = 0; i < 60; i++) flow.add(TokenKind.TARGET, "==========");
            flow.show();
            scroll.layout();
            stream.layout();
        });
        WaitForAsyncUtils.waitForFxEvents();
        double viewport = scroll.getViewportBounds().getWidth();
        assertTrue(viewport > 0 && viewport < 700, "a vertical scroll bar takes its share: " + viewport);
        assertTrue(stream.getWidth() <= viewport + 0.5, "stream " + stream.getWidth() + " wide in a viewport of " + viewport);
        for (Node n : stream.getChildren()) {
            assertTrue(n.getBoundsInParent().getMaxX() <= viewport + 0.5, ((Text) n).getText() + " reaches " + n.getBoundsInParent().getMaxX() + " of " + viewport);
        }
    }

    @Test
    void hostileTextLaysOutInBoundedTime(FxRobot robot) throws Exception {
        List<String> cases = new ArrayList<>(List.of(repeat("x\u0301"), repeat("\uFFFD\u0301"), repeat("a" + "\u0300".repeat(60)), randomCodePoints(11)));
        Path llama = SharedFiles.require("models/tiny-random-llama2/llama-2-tiny-random.gguf");
        cases.add(llamaPieces(llama, 12));
        for (String hostile : cases) {
            robot.interact(flow::clear);
            // a stalled frame: three screens of tokens arrive at once
            long first = layoutMillis(robot, () -> {
                for (int i = 0; i < hostile.length(); ) {
                    int end = Math.min(hostile.length(), hostile.offsetByCodePoints(i, Math.min(4, hostile.codePointCount(i, hostile.length()))));
                    flow.add(TokenKind.TARGET, hostile.substring(i, end));
                    i = end;
                }
                flow.show();
            });
            assertTrue(flow.chars() <= StreamFlow.MAX_CHARS, flow.chars() + " characters on screen");
            if (StreamText.display(hostile).length() > StreamFlow.MAX_CHARS) assertEquals(StreamFlow.ELIDED, stream.getChildren().getFirst().getUserData());
            // then frames as they come, each re-laying out the whole stream
            long worst = 0;
            for (int frame = 0; frame < 10; frame++) {
                String more = hostile.substring(frame * 300, frame * 300 + 300);
                worst = Math.max(worst, layoutMillis(robot, () -> {
                    flow.add(TokenKind.TARGET, more);
                    flow.show();
                }));
            }
            for (Node n : stream.getChildren()) assertTrue(((Text) n).getText().length() <= 2 * StreamFlow.CHUNK_CHARS);
            System.out.printf("hostile stream %s…: first layout %d ms, then at most %d ms a frame%n",
                    hostile.codePoints().limit(6).mapToObj(Integer::toHexString).toList(), first, worst);
        }
    }

    /**
     * Runs {@code change} on the JavaFX thread and returns how long the scroll pane and the stream
     * then take to lay out, before a pulse can do it; fails past {@link #MAX_LAYOUT_MS}.
     */
    private long layoutMillis(FxRobot robot, Runnable change) {
        long[] ms = new long[1];
        robot.interact(() -> {
            change.run();
            long t0 = System.nanoTime();
            scroll.applyCss();
            scroll.layout();
            stream.layout();
            ms[0] = (System.nanoTime() - t0) / 1_000_000;
        });
        assertTrue(ms[0] < MAX_LAYOUT_MS, "one layout pass took " + ms[0] + " ms");
        return ms[0];
    }

    private String shown() {
        StringBuilder s = new StringBuilder();
        for (Node n : stream.getChildren()) s.append(((Text) n).getText());
        return s.toString();
    }

    /** Three screens of a unit repeated. */
    private static String repeat(String unit) {
        return unit.repeat(3 * StreamFlow.MAX_CHARS / unit.length() + 1);
    }

    /** Assigned code points from all planes, every third a combining mark. */
    private static String randomCodePoints(long seed) {
        Random r = new Random(seed);
        StringBuilder s = new StringBuilder();
        while (s.length() < 3 * StreamFlow.MAX_CHARS) {
            int cp = s.length() % 3 == 2 ? 0x300 + r.nextInt(0x70) : r.nextInt(4) == 0 ? r.nextInt(0x110000) : r.nextInt(0x10000);
            if (Character.isDefined(cp) && Character.getType(cp) != Character.SURROGATE) s.appendCodePoint(cp);
        }
        return s.toString();
    }

    /** Random pieces of the Llama-2 vocabulary, decoded as a run decodes them: what a random model shows. */
    private static String llamaPieces(Path gguf, long seed) {
        try (GgufFile file = GgufFile.open(gguf)) {
            Tokenizer t = Tokenizers.fromMetadata(gguf, file.metadata());
            TextStream text = new TextStream(t);
            Random r = new Random(seed);
            StringBuilder s = new StringBuilder();
            while (s.length() < 3 * StreamFlow.MAX_CHARS) s.append(text.next(3 + r.nextInt(t.vocabSize() - 3)));
            return s.toString();
        }
    }
}
