package org.speclab.jobs;

import java.text.MessageFormat;
import java.util.Locale;
import java.util.ResourceBundle;

/**
 * The words jobs show (titles, progress): English unless the lab, whose language the user picks,
 * asks for another. The CLI never switches, so scripts read the same English lines everywhere.
 */
public final class JobTexts {
    /** No fallback to the system's locale: English means English, also on a Chinese desktop. */
    private static final ResourceBundle.Control EXACT = ResourceBundle.Control.getNoFallbackControl(ResourceBundle.Control.FORMAT_PROPERTIES);
    private static volatile ResourceBundle texts = ResourceBundle.getBundle("org.speclab.jobs.messages", Locale.ROOT, EXACT);

    private JobTexts() {}

    /** Jobs titled or reporting from now on speak {@code locale} (English where it has no translation). */
    public static void use(Locale locale) {
        texts = ResourceBundle.getBundle("org.speclab.jobs.messages", locale, EXACT);
    }

    /**
     * A job's title as words to say again later: its message key and arguments (as text), so a
     * finished job read back from the history is titled in the language chosen then.
     */
    public record Title(String key, java.util.List<String> args) {
        /** The title in the language jobs speak now. */
        public String render() {
            return t(key, args.toArray());
        }
    }

    /** {@code key}'s title with {@code args}, kept as text. */
    public static Title title(String key, Object... args) {
        return new Title(key, java.util.Arrays.stream(args).map(String::valueOf).toList());
    }

    /** The text for {@code key}, with {@code args} in its {0}, {1}… */
    public static String t(String key, Object... args) {
        ResourceBundle b = texts;
        return new MessageFormat(b.getString(key), b.getLocale()).format(args);
    }
}
