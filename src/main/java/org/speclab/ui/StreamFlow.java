package org.speclab.ui;

import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.List;
import javafx.scene.text.Text;
import javafx.scene.text.TextFlow;
import org.speclab.decode.TokenKind;

/**
 * The Run view's token stream on screen: tokens queued as they arrive, shown once a frame as
 * {@link Text} nodes coloured by where they came from, older text elided.
 *
 * <p>A TextFlow lays out all of its text again on every change, and shaping complex text (anything
 * with combining marks, for a start) costs more than linearly in the length of one Text node: on
 * Linux, 4,000 characters of "x" plus a combining accent in one node take a second per layout pass
 * and 8,000 take fifteen, while the same text in nodes of {@link #CHUNK_CHARS} characters takes
 * under a tenth of a second. A fast run fed that way kept the JavaFX thread in Pango for minutes:
 * the slower a frame, the more tokens the next one brings, the bigger its node. So the text is cut
 * into nodes of at most {@link #CHUNK_CHARS} characters (never inside a cluster), at most
 * {@link #MAX_CHARS} stay on screen however long a frame waited, and what is shown passes through
 * {@link StreamText} first.
 */
final class StreamFlow {
    /** Characters of generated text kept on screen; older text gives way to a "… " at the start. */
    static final int MAX_CHARS = 4_000;
    /** Characters in one Text node (a cluster the cut cannot split may make one longer, at most twice this). */
    static final int CHUNK_CHARS = 64;
    /** The user data of the "… " that stands for elided text. */
    static final String ELIDED = "elided";

    private record Segment(TokenKind kind, String text) {}

    private final TextFlow flow;
    private final StreamText display = new StreamText();
    private final ArrayDeque<Segment> pending = new ArrayDeque<>();
    private int pendingChars, chars;
    private boolean pendingFills;

    StreamFlow(TextFlow flow) {
        this.flow = flow;
    }

    /** A new run: nothing on screen, nothing queued. */
    void clear() {
        flow.getChildren().clear();
        pending.clear();
        pendingChars = 0;
        chars = 0;
        pendingFills = false;
        display.reset();
    }

    /**
     * Queues a token's text, in its display form, for the next {@link #show()}. Text that the
     * queue alone would push off the screen is dropped at once: after a long frame, building nodes
     * for it only to remove them would make the next frame longer still.
     */
    void add(TokenKind kind, String text) {
        String shown = display.next(text);
        if (shown.isEmpty()) return;
        pending.addLast(new Segment(kind, shown));
        pendingChars += shown.length();
        while (pending.size() > 1 && pendingChars - pending.peekFirst().text().length() >= MAX_CHARS) {
            pendingChars -= pending.removeFirst().text().length();
            pendingFills = true;
        }
    }

    /** Puts the queued text on screen, on the JavaFX thread; older text gives way. */
    void show() {
        if (pending.isEmpty()) return;
        var children = flow.getChildren();
        if (pendingFills) { // all on screen would be elided below: spare the nodes the work
            children.removeIf(n -> !ELIDED.equals(n.getUserData()));
            chars = 0;
        }
        // consecutive tokens of one kind as one string, so a frame adds its nodes in a few batches
        TokenKind kind = null;
        StringBuilder run = new StringBuilder();
        for (Segment s : pending) {
            if (s.kind() != kind && !run.isEmpty()) {
                append(kind, run.toString());
                run.setLength(0);
            }
            kind = s.kind();
            run.append(s.text());
        }
        if (!run.isEmpty()) append(kind, run.toString());
        pending.clear();
        pendingChars = 0;
        trim(pendingFills);
        pendingFills = false;
    }

    /** Characters of generated text on screen now (the "… " not counted). */
    int chars() {
        return chars;
    }

    /** Appends text of one kind, continuing the last node if it is of that kind, in nodes of at most {@link #CHUNK_CHARS}. */
    private void append(TokenKind kind, String text) {
        var children = flow.getChildren();
        Text last = children.isEmpty() ? null : (Text) children.getLast();
        boolean merge = last != null && last.getUserData() == kind;
        // cut together with the last node's text, so a mark that continues its cluster stays with it
        List<String> parts = StreamText.chunks(merge ? last.getText() + text : text, CHUNK_CHARS);
        List<Text> nodes = new ArrayList<>(parts.size());
        for (int i = 0; i < parts.size(); i++) {
            if (merge && i == 0) {
                last.setText(parts.getFirst());
                continue;
            }
            Text t = new Text(parts.get(i));
            t.setUserData(kind);
            t.getStyleClass().add("token-" + kind.name().toLowerCase());
            nodes.add(t);
        }
        children.addAll(nodes);
        chars += text.length();
    }

    /**
     * Keeps the last {@link #MAX_CHARS} characters: when over, trims to three quarters of that, so
     * not on every frame; the run itself, its figures and the experiment are complete.
     */
    private void trim(boolean elided) {
        var children = flow.getChildren();
        boolean marked = !children.isEmpty() && ELIDED.equals(children.getFirst().getUserData());
        if (chars <= MAX_CHARS && (marked || !elided)) return;
        int from = marked ? 1 : 0, to = from;
        if (chars > MAX_CHARS) {
            while (chars > MAX_CHARS * 3 / 4 && to < children.size() - 1) chars -= ((Text) children.get(to++)).getText().length();
            children.remove(from, to);
        }
        if (!marked) {
            Text mark = new Text("… ");
            mark.setUserData(ELIDED);
            mark.getStyleClass().add("token-elided");
            children.addFirst(mark);
        }
    }
}
