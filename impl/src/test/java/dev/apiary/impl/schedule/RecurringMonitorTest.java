package dev.apiary.impl.schedule;

import dev.apiary.Job;
import dev.apiary.Outcome;
import dev.apiary.impl.storage.ContractPayload;
import dev.apiary.schedule.Schedule;
import dev.apiary.schedule.ScheduleInfo;
import dev.apiary.spi.InMemory;
import dev.apiary.spi.JobStorage;
import dev.apiary.worker.Monitor;
import dev.apiary.worker.WorkerBuilder;
import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

/** A schedule registered on a plain-Java monitor fires on its own, through the public API only. */
class RecurringMonitorTest {

    @Test
    void aScheduleOnTheMonitorPushesAJobAtEachFireAndTheWorkerRunsIt() {
        JobStorage<ContractPayload> reports = InMemory.storage("reports", ContractPayload.class);
        List<Job<ContractPayload>> ran = new CopyOnWriteArrayList<>();
        Monitor monitor = Monitor.create().gracePeriod(Duration.ofSeconds(1));
        monitor.register(WorkerBuilder.named("reports").source(reports).handler(job -> {
            ran.add(job);
            return Outcome.done();
        }));
        monitor.schedule(Schedule.cron("every-second", "* * * * * *"), reports, () -> new ContractPayload("r", 1));
        monitor.start();
        try {
            await().atMost(Duration.ofSeconds(10)).until(() -> ran.size() >= 2);

            List<String> fires = ran.stream().map(j -> j.context().metadata().get("apiary.fire")).toList();
            assertThat(fires).doesNotHaveDuplicates();
            assertThat(Duration.between(Instant.parse(fires.get(0)), Instant.parse(fires.get(1))))
                    .isEqualTo(Duration.ofSeconds(1));
            ScheduleInfo info = monitor.schedules().find("every-second").orElseThrow();
            assertThat(info.lastFire()).isNotNull();
            assertThat(info.nextFire()).isAfter(info.lastFire());
            assertThatThrownBy(() -> monitor.schedule(Schedule.cron("late", "* * * * * *"), reports, () -> null))
                    .isInstanceOf(IllegalStateException.class);
        } finally {
            monitor.stop();
        }
    }
}
