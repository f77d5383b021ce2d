package dev.apiary.impl.worker;

import dev.apiary.Job;
import dev.apiary.impl.telemetry.Telemetry;
import dev.apiary.spi.JobSource;
import dev.apiary.spi.JobStorage;
import dev.apiary.testing.ManualClock;
import dev.apiary.testing.ManualScheduler;
import dev.apiary.testing.WorkerDriver;
import dev.apiary.worker.WorkerBuilder;

import java.time.Instant;
import java.util.List;
import java.util.function.UnaryOperator;

/**
 * What a stage test builds a stage alone from: a real in-memory storage on a manual clock, a manual scheduler for
 * both the executor and the timers, and the stage's context. Nothing runs until the test runs the scheduler.
 */
final class StageFixture<T> {

    static final String INSTANCE = "stage-0-test";

    final ManualClock clock = ManualClock.at(Instant.parse("2030-01-01T00:00:00Z"));
    final ManualScheduler scheduler = new ManualScheduler(clock);
    final JobStorage<T> storage;
    final JobSource<T> source;
    final WorkerDefinition<T> definition;
    final WorkerStats stats = new WorkerStats();
    final StageContext<T> context;
    volatile boolean stopping;

    /**
     * A fixture on a fresh storage for {@code queue}; {@code wrap} may put a fault-injecting source in front of it, and
     * {@code worker} sets the worker's options (its handler comes last).
     */
    StageFixture(String queue, Class<T> payload, UnaryOperator<JobSource<T>> wrap,
                 UnaryOperator<WorkerBuilder<T>> worker, dev.apiary.JobHandler<T> handler) {
        this.storage = WorkerDriver.inMemoryStorage(queue, payload, clock);
        this.source = wrap.apply(storage);
        this.definition = (WorkerDefinition<T>) worker.apply(WorkerBuilder.named("stage").source(source))
                .handler(handler);
        this.context = new StageContext<>(definition, INSTANCE, source, queue, stats, Telemetry.NONE,
                new StageThreads(scheduler, scheduler, clock, INSTANCE, () -> stopping));
    }

    /** A buffer of the worker's concurrency and prefetch. */
    ClaimBuffer<T> buffer() {
        return new ClaimBuffer<>(definition.concurrency(), definition.prefetch());
    }

    /** Claims {@code max} pending jobs under this instance and holds them in {@code buffer}, as a poll would. */
    List<Job<T>> claimInto(ClaimBuffer<T> buffer, int max) {
        List<Job<T>> jobs = storage.claim(INSTANCE, max);
        buffer.hold(jobs.size());
        buffer.add(jobs);
        return jobs;
    }
}
