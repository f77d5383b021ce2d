package dev.apiary.dashboard;

import java.util.ArrayList;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Error texts as a caller who may not see payloads is shown them. A job's last error is its handler's exception with
 * its message, and a kill reason is free text: either may quote the payload (a codec's message, a handler's
 * {@code "no customer " + order.customer()}). What is left is the shape of the failure: the exception types and the
 * stack frames, which name code, never data.
 */
final class Redaction {

    /** What stands for text that was withheld. */
    static final String HIDDEN = "[hidden: may hold payload data; apiary.dashboard.show-payloads]";

    /** {@code Type: message}, {@code Caused by: Type: message}, {@code Suppressed: ...}: a type is a qualified name. */
    private static final Pattern HEADER = Pattern.compile(
            "^(\\s*(?:Caused by: |Suppressed: )?)((?:[a-z_$][\\w$]*\\.)+[A-Z][\\w$]*)(:.*)?$");
    private static final Pattern FRAME = Pattern.compile("^\\s+at \\S+\\([^()]*\\)$");
    private static final Pattern ELIDED = Pattern.compile("^\\s+\\.\\.\\. \\d+ more$");

    private Redaction() {
    }

    /**
     * {@code error} without any message text: each exception line keeps its type, frames are kept, other lines are
     * dropped; a text that is not an exception (a kill reason) is {@link #HIDDEN} altogether.
     */
    static String error(String error) {
        if (error == null) {
            return null;
        }
        List<String> kept = new ArrayList<>();
        for (String line : (Iterable<String>) error.lines()::iterator) {
            Matcher header = HEADER.matcher(line);
            if (header.matches()) {
                kept.add(header.group(1) + header.group(2) + (header.group(3) == null ? "" : ": " + HIDDEN));
            } else if (kept.isEmpty()) {
                return HIDDEN;
            } else if (FRAME.matcher(line).matches() || ELIDED.matcher(line).matches()) {
                kept.add(line);
            }
        }
        return kept.isEmpty() ? HIDDEN : String.join("\n", kept);
    }

    /** {@code text} cut to {@code max} characters, with an ellipsis when cut; never splits a surrogate pair. */
    static String cut(String text, int max) {
        if (text == null || text.length() <= max) {
            return text;
        }
        int end = Character.isHighSurrogate(text.charAt(max - 1)) ? max - 1 : max;
        return text.substring(0, end) + "…";
    }
}
