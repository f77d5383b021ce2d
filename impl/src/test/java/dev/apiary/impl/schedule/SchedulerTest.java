package dev.apiary.impl.schedule;

import dev.apiary.ConfigurationException;
import dev.apiary.JobStatus;
import dev.apiary.impl.storage.SwitchableStorage;
import dev.apiary.impl.codec.JsonbCodec;
import dev.apiary.impl.storage.ContractPayload;
import dev.apiary.impl.storage.InMemoryStorage;
import dev.apiary.schedule.Schedule;
import dev.apiary.schedule.ScheduleInfo;
import dev.apiary.spi.JobPage;
import dev.apiary.spi.JobQuery;
import dev.apiary.spi.JobStorage;
import dev.apiary.testing.ManualClock;
import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.concurrent.atomic.AtomicInteger;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** The scheduler on the in-memory storage with a clock the test moves: two schedulers stand for two nodes. */
class SchedulerTest {

    private static final Instant START = Instant.parse("2026-06-01T12:00:00Z");

    private final ManualClock clock = ManualClock.at(START);
    private final InMemoryStorage<ContractPayload> storage =
            new InMemoryStorage<>("reports", ContractPayload.class, new JsonbCodec(), clock);
    private final AtomicInteger made = new AtomicInteger();

    private Scheduler node(Schedule schedule) {
        Scheduler scheduler = new Scheduler();
        scheduler.add(schedule, storage, () -> new ContractPayload("report", made.incrementAndGet()));
        return scheduler;
    }

    private List<String> fireTimes() {
        JobPage<ContractPayload> page = storage.list(JobQuery.firstPage(JobQuery.MAX_LIMIT));
        return page.items().stream().map(j -> j.metadata().get(Scheduler.FIRE_METADATA))
                .sorted().toList();
    }

    @Test
    void twoNodesTickingTogetherEnqueueEveryFireOnce() {
        Schedule everySecond = Schedule.cron("every-second", "* * * * * *");
        Scheduler a = node(everySecond);
        Scheduler b = node(everySecond);
        a.tick();
        b.tick();

        for (int i = 0; i < 30; i++) {
            clock.advance(Duration.ofMillis(i % 3 == 0 ? 1700 : 600));   // sometimes two fires fall due in one tick
            a.tick();
            b.tick();
        }

        Instant end = clock.instant();
        long expected = Duration.between(START, end).toSeconds();
        assertThat(fireTimes()).hasSize((int) expected).doesNotHaveDuplicates();
        assertThat(fireTimes().get(0)).isEqualTo(START.plusSeconds(1).toString());
        assertThat(fireTimes().get((int) expected - 1)).isEqualTo(START.plusSeconds(expected).toString());
    }

    @Test
    void afterDowntimeLongerThanTheThresholdTheMisfirePolicyApplies() {
        Schedule minutely = Schedule.cron("minutely", "0 * * * * *");
        Scheduler a = node(minutely);
        a.tick();
        clock.advance(Duration.ofSeconds(61));
        a.tick();
        assertThat(fireTimes()).containsExactly("2026-06-01T12:01:00Z");

        clock.advance(Duration.ofHours(2));   // every node was down
        Scheduler restarted = node(minutely);
        restarted.tick();

        // one job for the missed fires (12:02 to 14:00) under the latest, and 14:01, late but within the threshold
        assertThat(fireTimes()).containsExactly("2026-06-01T12:01:00Z", "2026-06-01T14:00:00Z",
                "2026-06-01T14:01:00Z");
    }

    @Test
    void theNextTickComesAtTheNextFireTimeAtMostASecondLater() {
        Scheduler a = node(Schedule.cron("minutely", "0 * * * * *"));
        assertThat(a.tick()).isEqualTo(Scheduler.MAX_TICK);

        clock.advance(Duration.ofSeconds(59).plusMillis(700));

        assertThat(a.tick()).isEqualTo(Duration.ofMillis(300).plus(Scheduler.MIN_TICK));
    }

    @Test
    void operationsListPauseResumeAndTriggerNow() {
        Scheduler a = node(Schedule.cron("minutely", "0 * * * * *"));
        Scheduler b = node(Schedule.cron("minutely", "0 * * * * *"));
        a.tick();

        ScheduleInfo info = a.find("minutely").orElseThrow();
        assertThat(info.queue()).isEqualTo("reports");
        assertThat(info.lastFire()).isEqualTo(START);
        assertThat(info.nextFire()).isEqualTo(START.plusSeconds(60));

        a.pause("minutely");                       // on one node: every node sees it
        clock.advance(Duration.ofMinutes(3));
        b.tick();
        assertThat(fireTimes()).isEmpty();
        assertThat(b.list()).singleElement().satisfies(i -> {
            assertThat(i.paused()).isTrue();
            assertThat(i.nextFire()).isNull();
        });

        String id = b.triggerNow("minutely");      // also while paused
        assertThat(storage.find(id)).hasValueSatisfying(job -> {
            assertThat(job.status()).isEqualTo(JobStatus.PENDING);
            assertThat(job.metadata()).containsEntry(Scheduler.TRIGGER_METADATA, "manual");
        });

        b.resume("minutely");                      // what fell due while paused does not fire
        b.tick();
        assertThat(fireTimes()).hasSize(1);
        clock.advance(Duration.ofSeconds(60));
        a.tick();
        assertThat(fireTimes()).hasSize(2).contains("2026-06-01T12:04:00Z");
        assertThatThrownBy(() -> a.pause("nightly")).isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("'nightly'").hasMessageContaining("[minutely]");
    }

    @Test
    void aFailingPayloadLeavesItsFireDueForTheNextTick() {
        AtomicInteger calls = new AtomicInteger();
        Scheduler a = new Scheduler();
        a.add(Schedule.cron("flaky", "* * * * * *"), storage, () -> {
            if (calls.incrementAndGet() == 1) {
                throw new IllegalStateException("not yet");
            }
            return new ContractPayload("ok", 1);
        });
        a.tick();
        clock.advance(Duration.ofSeconds(1));

        a.tick();
        assertThat(fireTimes()).isEmpty();
        a.tick();

        assertThat(fireTimes()).containsExactly(START.plusSeconds(1).toString());
    }

    @Test
    void aDisabledScheduleIsListedButDoesNotFire() {
        Scheduler a = node(Schedule.cron("off", "* * * * * *").withEnabled(false));
        a.tick();
        clock.advance(Duration.ofSeconds(5));
        a.tick();

        assertThat(fireTimes()).isEmpty();
        assertThat(a.list()).singleElement().satisfies(i -> assertThat(i.nextFire()).isNull());
    }

    @Test
    void registrationRejectsADuplicateNameAndAStorageThatKeepsNoSchedules() {
        Scheduler a = node(Schedule.cron("minutely", "0 * * * * *"));
        assertThatThrownBy(() -> a.add(Schedule.cron("minutely", "0 * * * * *"), storage, () -> null))
                .isInstanceOf(ConfigurationException.class).hasMessageContaining("'minutely'");
        JobStorage<ContractPayload> plain = new SwitchableStorage<>("plain", ContractPayload.class);   // keeps none
        assertThatThrownBy(() -> a.add(Schedule.cron("other", "0 * * * * *"), plain, () -> null))
                .isInstanceOf(ConfigurationException.class).hasMessageContaining("keeps no schedules");
    }
}
