package dev.apiary.dashboard;

import dev.apiary.JobStatus;
import dev.apiary.Outcome;
import dev.apiary.spi.Progress;
import dev.apiary.spi.StoredJob;
import jakarta.json.bind.Jsonb;
import jakarta.json.bind.JsonbBuilder;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Test;

import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.IntStream;

import static org.assertj.core.api.Assertions.assertThat;

/** Jobs as the dashboard API shows them: lists without payloads and bounded in size; viewers without payload text. */
class JobViewTest {

    private static final String SECRET = "Jane Secret, 12 Hidden Lane";
    private static final int MEGABYTE = 1 << 20;
    private static final Jsonb JSONB = JsonbBuilder.create();

    @AfterAll
    static void close() throws Exception {
        JSONB.close();
    }

    @Test
    void aListCarriesNoPayloadAndNoResultEvenForAnAdmin() {
        StoredJob<?> job = job("{\"customer\":\"" + SECRET + "\"}", null, "\"42 rows\"", Map.of());

        JobView row = JobView.summary(job, true);

        assertThat(row.payload()).isNull();
        assertThat(row.result()).isNull();
        assertThat(row.lastErrorTrace()).isNull();
        assertThat(row.payloadHidden()).as("an admin sees the payload in the job's detail").isFalse();
        assertThat(json(row)).doesNotContain(SECRET, "42 rows");
    }

    @Test
    void theDetailAndTheListShowTheNodeAndInstanceOfTheLastAttempt() {
        StoredJob<?> job = new StoredJob<>("job-1", "reports", null, "{}", JobStatus.DONE, 2, 3, Instant.now(), 0,
                Instant.now(), null, null, Instant.now(), Map.of(), null, null, null, "web-1/server-a",
                "report-builder-0-7f3a");

        for (JobView view : List.of(JobView.detail(job, false), JobView.summary(job, false))) {
            assertThat(view.attemptNode()).isEqualTo("web-1/server-a");
            assertThat(view.attemptWorkerId()).isEqualTo("report-builder-0-7f3a");
            assertThat(json(view)).contains("\"attemptNode\":\"web-1/server-a\"",
                    "\"attemptWorkerId\":\"report-builder-0-7f3a\"");
        }
    }

    @Test
    void theDetailCarriesThePayloadAndResultForThoseWhoSeePayloads() {
        StoredJob<?> job = job("{\"customer\":\"" + SECRET + "\"}", null, "\"42 rows\"", Map.of());

        JobView admin = JobView.detail(job, true);
        JobView viewer = JobView.detail(job, false);

        assertThat(admin.payload().asJsonObject().getString("customer")).isEqualTo(SECRET);
        assertThat(admin.result().toString()).isEqualTo("\"42 rows\"");
        assertThat(viewer.payload()).isNull();
        assertThat(viewer.result()).isNull();
        assertThat(viewer.payloadHidden()).isTrue();
        assertThat(json(viewer)).doesNotContain(SECRET, "42 rows");
    }

    @Test
    void viewersSeeTheErrorsTypesButNoTextThatMayQuoteThePayload() {
        String error = ((Outcome.Failed) Outcome.failed(new IllegalStateException("no address for " + SECRET,
                new NumberFormatException("For input string: \"" + SECRET + "\"")))).error();
        StoredJob<?> job = job("{\"customer\":\"" + SECRET + "\"}", error, null, Map.of());

        for (JobView view : List.of(JobView.summary(job, false), JobView.detail(job, false))) {
            assertThat(json(view)).doesNotContain("Jane", "Hidden Lane");
            assertThat(view.lastError()).isEqualTo("java.lang.IllegalStateException: " + Redaction.HIDDEN);
        }
        assertThat(JobView.detail(job, false).lastErrorTrace())
                .contains("Caused by: java.lang.NumberFormatException: " + Redaction.HIDDEN)
                .contains("\tat dev.apiary.dashboard.JobViewTest.");
        assertThat(JobView.detail(job, true).lastErrorTrace()).contains("no address for " + SECRET);
    }

    @Test
    void aViewerSeesNoKillReason() {
        StoredJob<?> job = job("{}", "customer " + SECRET + " cancelled", null, Map.of());

        assertThat(JobView.summary(job, false).lastError()).isEqualTo(Redaction.HIDDEN);
        assertThat(JobView.detail(job, false).lastErrorTrace()).isEqualTo(Redaction.HIDDEN);
        assertThat(JobView.summary(job, true).lastError()).isEqualTo("customer " + SECRET + " cancelled");
    }

    @Test
    void twentyJobsOfAMegabyteMakeAPageOfAFewKilobytes() {
        String payload = "{\"blob\":\"" + "x".repeat(MEGABYTE) + "\"}";
        List<JobView> page = IntStream.range(0, 20)
                .mapToObj(i -> JobView.summary(job(payload, null, null, Map.of("tenant", "acme")), true)).toList();

        int bytes = json(page).length;

        assertThat(bytes).as("a page of 20 jobs of 1 MB, in bytes").isLessThan(20 * 1024);
    }

    @Test
    void aPageOfTheLargestRowsStaysUnderAMegabyteWhateverTheJobsHold() {
        // every text a job can hold, as large as a storage lets it be: a 1 MB payload, a 1 MB one-line error, a long
        // unique key and progress message, 50 metadata entries of 10 kB
        String huge = "é".repeat(MEGABYTE);
        Map<String, String> metadata = new HashMap<>();
        for (int i = 0; i < 50; i++) {
            metadata.put("key-" + i + "-" + "k".repeat(10_000), "v".repeat(10_000));
        }
        StoredJob<?> largest = new StoredJob<>("job-1", "reports", null, "\"" + huge + "\"", JobStatus.FAILED, 3, 3,
                Instant.now(), 0, Instant.now(), "worker-1", "java.lang.IllegalStateException: " + huge, Instant.now(),
                metadata, "u".repeat(10_000), new Progress(50, huge, Instant.now()), "\"" + huge + "\"");

        List<JobView> page = IntStream.range(0, DashboardSettings.MAX_PAGE)
                .mapToObj(i -> JobView.summary(largest, true)).toList();
        int bytes = json(page).length;

        assertThat(bytes).as("the largest page (%d rows), in bytes", DashboardSettings.MAX_PAGE)
                .isLessThan(MEGABYTE);
        JobView row = page.get(0);
        assertThat(row.lastError()).hasSize(JobView.LIST_TEXT + 1).endsWith("…");
        assertThat(row.metadata()).hasSize(JobView.LIST_METADATA);
        assertThat(row.uniqueKey()).hasSize(JobView.LIST_TEXT + 1);
        assertThat(row.progress().message()).hasSize(JobView.LIST_TEXT + 1);
        // the job alone is whole
        assertThat(JobView.detail(largest, true).metadata()).isEqualTo(metadata);
    }

    private static StoredJob<?> job(String payload, String error, String result, Map<String, String> metadata) {
        return new StoredJob<>("job-1", "reports", null, payload, error == null ? JobStatus.DONE : JobStatus.FAILED,
                1, 3, Instant.now(), 0, Instant.now(), "worker-1", error, Instant.now(), metadata, null, null, result);
    }

    private static String json(JobView view) {
        return JSONB.toJson(view);
    }

    private static byte[] json(List<JobView> page) {
        return JSONB.toJson(page).getBytes(StandardCharsets.UTF_8);
    }
}
