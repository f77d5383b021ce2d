package dev.apiary.spi;

import java.io.PrintWriter;
import java.io.Writer;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * Text as every storage keeps it, so that no job's outcome is refused by a database for what its text holds: NUL
 * characters (which PostgreSQL refuses) and surrogates without their partner (which no UTF-8 database can store)
 * become U+FFFD, the Unicode replacement character, and text longer than a column should hold is cut in the middle
 * with a visible marker, keeping its start (an exception's message) and its end (the root cause of a stack trace).
 * Storages apply it at their boundary to error texts and kill reasons, metadata, results and progress messages;
 * text that needs neither is returned as it is.
 */
public final class StoredText {

    /** The longest error text (an error with its stack trace, a kill reason) a storage keeps, in characters. */
    public static final int MAX_ERROR_LENGTH = 100_000;
    /** The longest metadata key or value a storage keeps, in characters. */
    public static final int MAX_METADATA_LENGTH = 10_000;
    /**
     * The longest encoded result a storage keeps, in characters: what the JPA storage's result column holds. A longer
     * result is not cut (cut JSON would not read back) but replaced by a JSON string that says so.
     */
    public static final int MAX_RESULT_LENGTH = 1_000_000;
    /** The longest progress message a storage keeps, in characters. */
    public static final int MAX_PROGRESS_MESSAGE_LENGTH = 200;

    private static final char REPLACEMENT = '\uFFFD';
    private static final char[] HEX = "0123456789abcdef".toCharArray();

    private StoredText() {
    }

    /** An error text or kill reason as stored; {@code null} stays {@code null}. */
    public static String error(String text) {
        return clean(text, MAX_ERROR_LENGTH);
    }

    /**
     * An exception's type, message and stack trace (its causes included) as stored, built without ever holding more
     * than about {@link #MAX_ERROR_LENGTH} characters of it: an exception whose message holds megabytes (a response
     * body, a dump) is cut in the middle as {@link #error} cuts, instead of filling the heap as the whole trace
     * is written out.
     */
    public static String trace(Throwable error) {
        HeadAndTail out = new HeadAndTail(MAX_ERROR_LENGTH / 2 - 32, MAX_ERROR_LENGTH / 2 - 32);
        error.printStackTrace(new PrintWriter(out));
        return clean(out.toString(), MAX_ERROR_LENGTH);
    }

    /** A progress message as stored; {@code null} stays {@code null}. */
    public static String progressMessage(String text) {
        return clean(text, MAX_PROGRESS_MESSAGE_LENGTH);
    }

    /** Metadata with every key and value as stored, in the same order; the same map when nothing needed a change. */
    public static Map<String, String> metadata(Map<String, String> metadata) {
        boolean changed = false;
        for (Map.Entry<String, String> e : metadata.entrySet()) {
            changed |= !isClean(e.getKey(), MAX_METADATA_LENGTH) || !isClean(e.getValue(), MAX_METADATA_LENGTH);
        }
        if (!changed) {
            return metadata;
        }
        Map<String, String> cleaned = new LinkedHashMap<>();
        metadata.forEach((k, v) -> cleaned.put(clean(k, MAX_METADATA_LENGTH), clean(v, MAX_METADATA_LENGTH)));
        return Collections.unmodifiableMap(cleaned);
    }

    /**
     * An encoded (JSON) result as stored: cleaned, or when longer than {@link #MAX_RESULT_LENGTH} a JSON string
     * saying how long it was; {@code null} stays {@code null}. Inside JSON a replaced character sits in a string, so
     * the text stays JSON.
     */
    public static String result(String json) {
        if (json != null && json.length() > MAX_RESULT_LENGTH) {
            return "\"[result not kept: " + json.length() + " characters of JSON, more than the "
                    + MAX_RESULT_LENGTH + " a job's result may have]\"";
        }
        return clean(json, MAX_RESULT_LENGTH);
    }

    /**
     * {@code text} without NUL characters and lone surrogates (each becomes U+FFFD), and when longer than
     * {@code maxLength} characters, cut in the middle to that length with a marker saying how much was cut; a
     * surrogate pair is never split. {@code null} stays {@code null}.
     */
    public static String clean(String text, int maxLength) {
        if (maxLength < 1) {
            throw new IllegalArgumentException("maxLength must be at least 1, was " + maxLength);
        }
        if (isClean(text, maxLength)) {
            return text;
        }
        if (text.length() <= maxLength) {
            return append(new StringBuilder(text.length()), text, 0, text.length()).toString();
        }
        // sized for the largest count the marker can show, so the result never exceeds maxLength
        int markerLength = marker(text.length()).length();
        if (markerLength + 2 > maxLength) {
            int end = pairSafeEnd(text, maxLength - 1);
            return append(new StringBuilder(maxLength), text, 0, end).append('\u2026').toString();
        }
        int kept = maxLength - markerLength;
        int headEnd = pairSafeEnd(text, kept - kept / 2);
        int tailStart = text.length() - kept / 2;
        if (Character.isLowSurrogate(text.charAt(tailStart)) && Character.isHighSurrogate(text.charAt(tailStart - 1))) {
            tailStart++;
        }
        StringBuilder out = new StringBuilder(maxLength);
        append(out, text, 0, headEnd).append(marker(tailStart - headEnd));
        return append(out, text, tailStart, text.length()).toString();
    }

    /**
     * {@code text} in printable ASCII alone, every other character but line feed and tab written as its Java escape (a
     * backslash, {@code u} and four hex digits),
     * cut to {@code maxLength} as {@link #clean} does: a last resort for a store that refused the text as
     * {@link #clean} left it (a database in a single-byte encoding refuses characters it has no code for).
     */
    public static String ascii(String text, int maxLength) {
        if (text == null) {
            return null;
        }
        // cut first, so that a text of megabytes is not escaped in whole (escaping lengthens it, so cut again after);
        // text that needs no cut keeps its NULs and lone surrogates, to be shown as escapes
        String cut = text.length() > maxLength ? clean(text, maxLength) : text;
        StringBuilder out = new StringBuilder(cut.length() + 16);
        for (int i = 0; i < cut.length(); i++) {
            char c = cut.charAt(i);
            if ((c >= 0x20 && c < 0x7f) || c == '\n' || c == '\t') {
                out.append(c);
            } else {
                out.append("\\u").append(HEX[c >> 12]).append(HEX[(c >> 8) & 0xf]).append(HEX[(c >> 4) & 0xf])
                        .append(HEX[c & 0xf]);
            }
        }
        return clean(out.toString(), maxLength);
    }

    private static boolean isClean(String text, int maxLength) {
        if (text == null) {
            return true;
        }
        if (text.length() > maxLength) {
            return false;
        }
        for (int i = 0; i < text.length(); i++) {
            char c = text.charAt(i);
            if (c == 0) {
                return false;
            }
            if (Character.isSurrogate(c)) {
                if (Character.isHighSurrogate(c) && i + 1 < text.length()
                        && Character.isLowSurrogate(text.charAt(i + 1))) {
                    i++;
                } else {
                    return false;
                }
            }
        }
        return true;
    }

    /** Appends {@code text[from, to)} with NUL and lone surrogates replaced. */
    private static StringBuilder append(StringBuilder out, String text, int from, int to) {
        for (int i = from; i < to; i++) {
            char c = text.charAt(i);
            if (c == 0) {
                out.append(REPLACEMENT);
            } else if (Character.isHighSurrogate(c) && i + 1 < to && Character.isLowSurrogate(text.charAt(i + 1))) {
                out.append(c).append(text.charAt(++i));
            } else {
                out.append(Character.isSurrogate(c) ? REPLACEMENT : c);
            }
        }
        return out;
    }

    /** {@code end}, or one less when it would split a surrogate pair. */
    private static int pairSafeEnd(String text, int end) {
        return end > 0 && end < text.length() && Character.isHighSurrogate(text.charAt(end - 1))
                && Character.isLowSurrogate(text.charAt(end)) ? end - 1 : end;
    }

    private static String marker(int cut) {
        return "\n[... " + cut + " characters cut ...]\n";
    }

    /** Keeps the first {@code head} and the last {@code tail} characters written, and counts those in between. */
    private static final class HeadAndTail extends Writer {
        private final StringBuilder head;
        private final char[] tail;
        private final int headCapacity;
        private long written;

        HeadAndTail(int head, int tail) {
            this.headCapacity = head;
            this.head = new StringBuilder(Math.min(head, 4096));
            this.tail = new char[tail];
        }

        @Override
        public void write(char[] chars, int off, int len) {
            for (int i = off; i < off + len; i++) {
                if (head.length() < headCapacity) {
                    head.append(chars[i]);
                } else {
                    tail[(int) ((written - headCapacity) % tail.length)] = chars[i];
                }
                written++;
            }
        }

        @Override
        public void write(String text, int off, int len) {
            for (int i = off; i < off + len; i++) {
                char c = text.charAt(i);
                if (head.length() < headCapacity) {
                    head.append(c);
                } else {
                    tail[(int) ((written - headCapacity) % tail.length)] = c;
                }
                written++;
            }
        }

        @Override
        public void flush() {
        }

        @Override
        public void close() {
        }

        @Override
        public String toString() {
            long inTail = written - head.length();
            if (inTail <= tail.length) {
                return head.toString() + new String(tail, 0, (int) inTail);
            }
            int start = (int) ((written - headCapacity) % tail.length);
            StringBuilder out = new StringBuilder(head.length() + 64 + tail.length).append(head)
                    .append(marker((int) Math.min(Integer.MAX_VALUE, inTail - tail.length)));
            return out.append(tail, start, tail.length - start).append(tail, 0, start).toString();
        }
    }
}
