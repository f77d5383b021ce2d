package dev.apiary.impl.schedule;

import dev.apiary.ConfigurationException;
import dev.apiary.schedule.Misfire;
import dev.apiary.schedule.Schedule;
import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.time.Instant;
import java.time.LocalDateTime;
import java.time.ZoneId;
import java.util.ArrayList;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** Fire times through CronTrigger across daylight-saving changes, and the misfire policies after a gap. */
class FirePlanTest {

    private static final ZoneId PARIS = ZoneId.of("Europe/Paris");

    private static Instant paris(int year, int month, int day, int hour, int minute) {
        return LocalDateTime.of(year, month, day, hour, minute).atZone(PARIS).toInstant();
    }

    private static List<Instant> fires(CronSchedule cron, Instant from, int count) {
        List<Instant> result = new ArrayList<>();
        for (Instant f = cron.nextAfter(from); result.size() < count; f = cron.nextAfter(f)) {
            result.add(f);
        }
        return result;
    }

    @Test
    void aDailyTimeInTheSpringForwardGapIsSkippedThatDay() {
        // 29 March 2026 in Paris: 02:00 CET jumps to 03:00 CEST, so 02:30 does not exist that day
        CronSchedule cron = CronSchedule.of(Schedule.cron("gap", "0 30 2 * * *").withZone(PARIS));

        List<Instant> fires = fires(cron, paris(2026, 3, 28, 12, 0), 2);

        assertThat(fires).containsExactly(Instant.parse("2026-03-30T00:30:00Z"), Instant.parse("2026-03-31T00:30:00Z"));
    }

    @Test
    void aDailyTimeInTheFallBackOverlapFiresAtBothInstants() {
        // 25 October 2026 in Paris: 03:00 CEST goes back to 02:00 CET, so 02:30 happens twice
        CronSchedule cron = CronSchedule.of(Schedule.cron("overlap", "0 30 2 * * *").withZone(PARIS));

        List<Instant> fires = fires(cron, paris(2026, 10, 24, 12, 0), 3);

        assertThat(fires).containsExactly(Instant.parse("2026-10-25T00:30:00Z"), Instant.parse("2026-10-25T01:30:00Z"),
                Instant.parse("2026-10-26T01:30:00Z"));
    }

    @Test
    void anHourlyScheduleKeepsItsRealIntervalAcrossTheSpringForwardGap() {
        CronSchedule cron = CronSchedule.of(Schedule.cron("half-hourly", "0 0/30 * * * *").withZone(PARIS));

        List<Instant> fires = fires(cron, Instant.parse("2026-03-29T00:00:00Z"), 4);

        // 01:30 CET, then 03:00 CEST (an hour of wall time vanished, 30 minutes of real time passed)
        assertThat(fires).containsExactly(Instant.parse("2026-03-29T00:30:00Z"), Instant.parse("2026-03-29T01:00:00Z"),
                Instant.parse("2026-03-29T01:30:00Z"), Instant.parse("2026-03-29T02:00:00Z"));
    }

    @Test
    void secondsAreTheFirstField() {
        CronSchedule cron = CronSchedule.of(Schedule.cron("fast", "*/5 * * * * *"));

        assertThat(fires(cron, Instant.parse("2026-01-01T00:00:00Z"), 3)).containsExactly(
                Instant.parse("2026-01-01T00:00:05Z"), Instant.parse("2026-01-01T00:00:10Z"),
                Instant.parse("2026-01-01T00:00:15Z"));
    }

    @Test
    void lateFiresWithinTheThresholdAreEachEnqueued() {
        Schedule schedule = Schedule.cron("every-second", "* * * * * *").withMisfireThreshold(Duration.ofSeconds(5));
        Instant last = Instant.parse("2026-01-01T00:00:00Z");

        FirePlan plan = FirePlan.plan(schedule, CronSchedule.of(schedule), last, last.plusMillis(3_400));

        assertThat(plan.missed()).isFalse();
        assertThat(plan.fires()).containsExactly(last.plusSeconds(1), last.plusSeconds(2), last.plusSeconds(3));
        assertThat(plan.lastFire()).isEqualTo(last.plusSeconds(3));
    }

    @Test
    void nothingIsDueBeforeTheNextFire() {
        Schedule schedule = Schedule.cron("minutely", "0 * * * * *");
        Instant last = Instant.parse("2026-01-01T00:00:00Z");

        assertThat(FirePlan.plan(schedule, CronSchedule.of(schedule), last, last.plusSeconds(59))).isNull();
    }

    @Test
    void afterAGapFireOnceEnqueuesOneJobForTheMissedFiresAndTheLateOnesWithinTheThreshold() {
        Schedule schedule = Schedule.cron("minutely", "0 * * * * *");
        Instant last = Instant.parse("2026-01-01T00:00:00Z");
        Instant now = last.plus(Duration.ofHours(3)).plusSeconds(7);

        FirePlan plan = FirePlan.plan(schedule, CronSchedule.of(schedule), last, now);

        // 02:59:00 is older than the threshold (1 minute): it stands for every missed fire; 03:00:00 is only late
        assertThat(plan.missed()).isTrue();
        assertThat(plan.fires()).containsExactly(Instant.parse("2026-01-01T02:59:00Z"),
                Instant.parse("2026-01-01T03:00:00Z"));
        assertThat(plan.lastFire()).isEqualTo(last.plus(Duration.ofHours(3)));
    }

    @Test
    void afterAGapCatchUpEnqueuesTheLatestFiresUpToItsBound() {
        Schedule schedule = Schedule.cron("minutely", "0 * * * * *").withCatchUp(3);
        Instant last = Instant.parse("2026-01-01T00:00:00Z");
        Instant now = last.plus(Duration.ofHours(3)).plusSeconds(7);

        FirePlan plan = FirePlan.plan(schedule, CronSchedule.of(schedule), last, now);

        assertThat(plan.fires()).containsExactly(Instant.parse("2026-01-01T02:57:00Z"),
                Instant.parse("2026-01-01T02:58:00Z"), Instant.parse("2026-01-01T02:59:00Z"),
                Instant.parse("2026-01-01T03:00:00Z"));
    }

    @Test
    void afterAGapCatchUpEnqueuesFewerWhenFewerWereMissed() {
        Schedule schedule = Schedule.cron("hourly", "0 0 * * * *").withCatchUp(10);
        Instant last = Instant.parse("2026-01-01T00:00:00Z");

        FirePlan plan = FirePlan.plan(schedule, CronSchedule.of(schedule), last, Instant.parse("2026-01-01T03:30:00Z"));

        assertThat(plan.fires()).containsExactly(Instant.parse("2026-01-01T01:00:00Z"),
                Instant.parse("2026-01-01T02:00:00Z"), Instant.parse("2026-01-01T03:00:00Z"));
    }

    @Test
    void afterAGapSkipEnqueuesOnlyTheFiresWithinTheThreshold() {
        Schedule schedule = Schedule.cron("minutely", "0 * * * * *").withMisfire(Misfire.SKIP);
        Instant last = Instant.parse("2026-01-01T00:00:00Z");

        FirePlan plan = FirePlan.plan(schedule, CronSchedule.of(schedule), last, Instant.parse("2026-01-01T03:00:07Z"));

        assertThat(plan.fires()).containsExactly(Instant.parse("2026-01-01T03:00:00Z"));
        assertThat(plan.lastFire()).isEqualTo(Instant.parse("2026-01-01T03:00:00Z"));
    }

    @Test
    void aWeekOfMissedSecondsIsPlannedWithoutWalkingEverySecond() {
        Schedule schedule = Schedule.cron("every-second", "* * * * * *").withCatchUp(2);
        Instant last = Instant.parse("2026-01-01T00:00:00Z");
        Instant now = last.plus(Duration.ofDays(7)).plusMillis(500);

        FirePlan plan = FirePlan.plan(schedule, CronSchedule.of(schedule), last, now);

        Instant end = last.plus(Duration.ofDays(7));
        assertThat(plan.fires()).hasSize(62).startsWith(end.minusSeconds(61), end.minusSeconds(60), end.minusSeconds(59))
                .endsWith(end);
    }

    @Test
    void aBadExpressionOrOneThatNeverFiresNamesTheScheduleAndTheValue() {
        assertThatThrownBy(() -> CronSchedule.of(Schedule.cron("report", "0 61 * * * *")))
                .isInstanceOf(ConfigurationException.class)
                .hasMessageContaining("'report'").hasMessageContaining("'0 61 * * * *'");
        assertThatThrownBy(() -> CronSchedule.of(Schedule.cron("never", "0 0 0 31 2 *")))
                .isInstanceOf(ConfigurationException.class)
                .hasMessageContaining("'never'").hasMessageContaining("never fires");
    }
}
