package dev.apiary.dashboard;

import dev.apiary.CodecException;
import dev.apiary.Outcome;
import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;

/** What a viewer who may not see payloads is shown of a job's last error. */
class RedactionTest {

    private static final String SECRET = "Jane Secret, 12 Hidden Lane";

    /** The text a worker stores for a handler's exception: its type, message and stack trace. */
    private static String lastErrorOf(Throwable error) {
        return ((Outcome.Failed) Outcome.failed(error)).error();
    }

    @Test
    void anErrorKeepsItsTypesAndFramesButNoMessageText() {
        IllegalStateException cause = new IllegalStateException("no address for " + SECRET);
        RuntimeException error = new RuntimeException("order of " + SECRET + " failed\nsecond line " + SECRET, cause);
        error.addSuppressed(new IllegalArgumentException("suppressed " + SECRET));
        String trace = lastErrorOf(error);

        String redacted = Redaction.error(trace);

        assertThat(redacted).doesNotContain("Jane", "Hidden", "second line");
        assertThat(redacted.lines().findFirst()).hasValue("java.lang.RuntimeException: " + Redaction.HIDDEN);
        assertThat(redacted).contains("Caused by: java.lang.IllegalStateException: " + Redaction.HIDDEN,
                "Suppressed: java.lang.IllegalArgumentException: " + Redaction.HIDDEN,
                "\tat dev.apiary.dashboard.RedactionTest.anErrorKeepsItsTypesAndFramesButNoMessageText(");
    }

    @Test
    void anExceptionWithoutAMessageIsShownWhole() {
        String trace = lastErrorOf(new UnsupportedOperationException());

        assertThat(Redaction.error(trace)).isEqualTo(trace.strip().replace("\r", ""));
    }

    @Test
    void aCodecErrorShowsOnlyItsType() {
        String trace = lastErrorOf(new CodecException("Cannot decode payload into Order (payload: {\"name\":\""
                + SECRET + "\"})", null));

        assertThat(Redaction.error(trace)).startsWith("dev.apiary.CodecException: " + Redaction.HIDDEN)
                .doesNotContain(SECRET);
    }

    @Test
    void aKillReasonOrOtherFreeTextIsHiddenWhole() {
        assertThat(Redaction.error("customer " + SECRET + " asked to stop")).isEqualTo(Redaction.HIDDEN);
        assertThat(Redaction.error("killed from the Apiary dashboard")).isEqualTo(Redaction.HIDDEN);
        assertThat(Redaction.error("")).isEqualTo(Redaction.HIDDEN);
        assertThat(Redaction.error(null)).isNull();
    }

    @Test
    void aCutTextEndsWithAnEllipsisAndNeverSplitsACharacter() {
        assertThat(Redaction.cut("abcdef", 3)).isEqualTo("abc…");
        assertThat(Redaction.cut("abc", 3)).isEqualTo("abc");
        assertThat(Redaction.cut("ab\uD83D\uDE00", 3)).isEqualTo("ab…");
        assertThat(Redaction.cut(null, 3)).isNull();
    }
}
