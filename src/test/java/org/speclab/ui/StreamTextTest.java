package org.speclab.ui;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import org.junit.jupiter.api.Test;

/** The display form of generated text: ordinary text as it is, junk visible and bounded. */
class StreamTextTest {
    @Test
    void ordinaryTextIsShownAsItIs() {
        for (String s : List.of("Once upon a time, there was a little girl named Lily.\n\tShe liked to play.",
                "从前，有一个小女孩叫莉莉。她喜欢在公园里玩耍，每天都和她的朋友们一起去看花。".repeat(5),
                "Tiếng Việt có dấu", "עִבְרִית", "नमस्ते दुनिया", "emoji 👩‍👩‍👧 and a flag 🇫🇷", "line one\r\nline two", "")) {
            assertEquals(s, StreamText.display(s));
        }
    }

    @Test
    void controlCharactersAndBidiOverridesAreShownAsEscapes() {
        assertEquals("a<0x00>b<0x1B>[31mc<0x7F><0x85><0x0B>", StreamText.display("a\u0000b\u001b[31mc\u007f\u0085\u000b"));
        assertEquals("<U+202E>txet<U+2066>", StreamText.display("\u202Etxet\u2066"));
        assertEquals("<U+D800>x", StreamText.display("\uD800x"), "a lone surrogate");
        assertEquals("\uFFFD", StreamText.display("\uFFFD"), "the replacement character is a visible glyph already");
    }

    @Test
    void aRunOfCombiningMarksIsCapped() {
        String zalgo = "a" + "\u0301\u0308\u0489\u0903".repeat(13) + "b"; // non-spacing, enclosing and spacing marks
        String shown = StreamText.display(zalgo);
        assertEquals("a" + "\u0301\u0308\u0489\u0903".substring(0, StreamText.MAX_MARKS) + "b", shown);
        // across tokens too: the cluster continues in the next piece
        StreamText stream = new StreamText();
        StringBuilder out = new StringBuilder(stream.next("x"));
        for (int i = 0; i < 50; i++) out.append(stream.next("\u0300"));
        assertEquals(1 + StreamText.MAX_MARKS, out.length());
    }

    @Test
    void aLongUnbrokenRunGetsBreakOpportunities() {
        String run = "ab".repeat(2500);
        String shown = StreamText.display(run);
        assertEquals(run, shown.replace("\u200B", ""), "only zero-width spaces were added");
        for (String piece : shown.split("\u200B")) assertTrue(piece.length() <= StreamText.BREAK_EVERY, piece.length() + " characters without a break");
        // a space resets the count: words are left alone
        assertFalse(StreamText.display("word ".repeat(1000)).contains("\u200B"));
        // and no zero-width space goes into a cluster
        String marked = StreamText.display("e\u0301".repeat(200));
        assertFalse(marked.contains("\u200B\u0301"), "a zero-width space before a mark would detach it");
    }

    @Test
    void chunksAreCutBetweenClusters() {
        String s = "e\u0301🙂👩‍👧".repeat(40);
        List<String> parts = StreamText.chunks(s, 7);
        assertEquals(s, String.join("", parts));
        for (String p : parts) {
            assertTrue(p.length() <= 7 + StreamText.MAX_MARKS, p);
            assertFalse(StreamText.isMark(p.codePointAt(0)) || Character.isLowSurrogate(p.charAt(0)) || p.charAt(0) == '\u200D', "starts a cluster: " + p);
        }
        assertEquals(List.of("a".repeat(10), "a".repeat(5)), StreamText.chunks("a".repeat(15), 10));
        // a chain of joiners is one cluster without end: cut anyway, at twice the size
        String chain = "a\u200D".repeat(100);
        for (String p : StreamText.chunks(chain, 10)) assertTrue(p.length() <= 20, p.length() + " characters");
    }
}
