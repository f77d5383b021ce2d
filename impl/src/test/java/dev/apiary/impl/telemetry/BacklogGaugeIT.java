package dev.apiary.impl.telemetry;

import dev.apiary.JobStatus;
import io.opentelemetry.api.common.AttributeKey;
import io.opentelemetry.api.common.Attributes;
import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.util.EnumMap;
import java.util.Map;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Supplier;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/** The backlog gauge reads cached counts: a scrape never queries the storage, a refresh at most once per interval. */
class BacklogGaugeIT {

    private static final Attributes PENDING = Attributes.of(AttributeKey.stringKey("queue"), "email",
            AttributeKey.stringKey("status"), "pending");

    @Test
    void scrapesReadTheCountsOfTheLastRefreshAndRefreshesAreRateLimited() {
        Otel otel = new Otel();
        Telemetry telemetry = Telemetry.of(otel.sdk, Duration.ofMillis(300));
        AtomicInteger queries = new AtomicInteger();
        Supplier<Map<JobStatus, Long>> counts = () -> {
            Map<JobStatus, Long> result = new EnumMap<>(JobStatus.class);
            result.put(JobStatus.PENDING, 40L + queries.incrementAndGet());
            result.put(JobStatus.RUNNING, 2L);
            return result;
        };

        assertThat(Otel.value(otel.collect(), "apiary.jobs.backlog", PENDING)).isEmpty();
        telemetry.refreshBacklog("email", counts);
        telemetry.refreshBacklog("email", counts); // a second instance's heartbeat within the interval
        for (int scrape = 0; scrape < 5; scrape++) {
            assertThat(Otel.value(otel.collect(), "apiary.jobs.backlog", PENDING)).hasValue(41);
        }
        assertThat(queries).hasValue(1);

        await().atMost(Duration.ofSeconds(5)).untilAsserted(() -> {
            telemetry.refreshBacklog("email", counts);
            assertThat(queries).hasValue(2);
        });
        assertThat(Otel.value(otel.collect(), "apiary.jobs.backlog", PENDING)).hasValue(42);
    }
}
