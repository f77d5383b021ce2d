package dev.apiary.impl.storage;

import dev.apiary.spi.StoredText;
import org.junit.jupiter.api.Test;

import java.util.LinkedHashMap;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;

/** The one sanitiser every storage applies to the text it keeps. */
class StoredTextTest {

    @Test
    void cleanTextIsReturnedAsItIs() {
        String text = "plain text with an emoji \uD83D\uDE00, a tab\t and lines\n";

        assertThat(StoredText.error(text)).isSameAs(text);
        assertThat(StoredText.error(null)).isNull();
    }

    @Test
    void nulAndLoneSurrogatesBecomeTheReplacementCharacterAndPairsStay() {
        assertThat(StoredText.error("a\u0000b\uD800c\uDC00d\uD83D\uDE00e\uDBFF"))
                .isEqualTo("a\uFFFDb\uFFFDc\uFFFDd\uD83D\uDE00e\uFFFD");
    }

    @Test
    void longTextIsCutInTheMiddleToTheLimitWithAMarker() {
        String text = "HEAD" + "x".repeat(1_000_000) + "TAIL";

        String stored = StoredText.error(text);

        assertThat(stored.length()).isBetween(StoredText.MAX_ERROR_LENGTH - 2, StoredText.MAX_ERROR_LENGTH);
        assertThat(stored).startsWith("HEADxxx").endsWith("xxxTAIL");
        java.util.regex.Matcher marker = java.util.regex.Pattern.compile("\n\\[\\.\\.\\. (\\d+) characters cut "
                + "\\.\\.\\.]\n").matcher(stored);
        assertThat(marker.find()).isTrue();
        assertThat(stored.length() - marker.group().length() + Long.parseLong(marker.group(1)))
                .as("kept plus cut is the whole").isEqualTo(text.length());
    }

    @Test
    void aCutNeverSplitsASurrogatePair() {
        String pairs = "\uD83D\uDE00".repeat(600);
        for (int max = 41; max < 120; max++) {
            String stored = StoredText.clean(pairs, max);
            assertThat(stored.length()).isLessThanOrEqualTo(max);
            assertThat(stored.replaceAll("\n\\[\\.\\.\\. \\d+ characters cut \\.\\.\\.]\n", ""))
                    .matches("(\uD83D\uDE00)+");
        }
        assertThat(StoredText.clean(pairs, 5)).isEqualTo("\uD83D\uDE00\uD83D\uDE00\u2026");
    }

    @Test
    void anOverLongResultBecomesAJsonStringSayingSo() {
        String json = "[" + "1,".repeat(StoredText.MAX_RESULT_LENGTH) + "1]";

        assertThat(StoredText.result(json)).startsWith("\"[result not kept: " + json.length() + " characters")
                .endsWith("]\"");
        assertThat(StoredText.result("{\"a\":\"x\uD800\"}")).isEqualTo("{\"a\":\"x\uFFFD\"}");
    }

    @Test
    void metadataKeysAndValuesAreCleanedInOrder() {
        Map<String, String> metadata = new LinkedHashMap<>();
        metadata.put("tenant", "acme");
        metadata.put("k\u0000", "v" + "y".repeat(20_000));

        Map<String, String> stored = StoredText.metadata(metadata);

        assertThat(stored.keySet()).containsExactly("tenant", "k\uFFFD");
        assertThat(stored.get("k\uFFFD")).hasSize(StoredText.MAX_METADATA_LENGTH).contains("characters cut");
        Map<String, String> clean = Map.of("tenant", "acme");
        assertThat(StoredText.metadata(clean)).isSameAs(clean);
    }

    @Test
    void asciiEscapesEverythingButPrintableAsciiLineFeedAndTab() {
        assertThat(StoredText.ascii("caf\u00e9 \u03b1\u0000\n\tok \uD83D\uDE00", 1_000))
                .isEqualTo("caf\\u00e9 \\u03b1\\u0000\n\tok \\ud83d\\ude00");
        assertThat(StoredText.ascii("\u00e9".repeat(10_000), 100)).hasSizeLessThanOrEqualTo(100)
                .startsWith("\\u00e9").contains("characters cut");
    }

    @Test
    void aTraceWithAHugeMessageIsCutWhileItIsWrittenKeepingTheMessageStartAndTheRootCause() {
        Exception error = new IllegalStateException("upstream said: " + "x".repeat(10_000_000),
                new java.io.IOException("connection reset by peer"));

        String trace = StoredText.trace(error);

        assertThat(trace).hasSizeLessThanOrEqualTo(StoredText.MAX_ERROR_LENGTH)
                .startsWith("java.lang.IllegalStateException: upstream said: xxx")
                .contains("characters cut ...]")
                .contains("Caused by: java.io.IOException: connection reset by peer");
        assertThat(dev.apiary.Outcome.describe(new RuntimeException("short"))).startsWith("java.lang.RuntimeException: short")
                .contains("at ").doesNotContain("characters cut");
    }
}
