package dev.apiary.impl.mq;

import dev.apiary.testing.ManualClock;
import dev.apiary.testing.ManualScheduler;

import java.time.Clock;
import java.time.Duration;
import java.util.concurrent.Executor;
import java.util.concurrent.ScheduledExecutorService;
import java.util.function.BooleanSupplier;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Manual time for {@link MessageQueueContract}: a {@link ManualClock} and a scheduler that runs nothing by itself.
 * Tasks run on the test's thread when time passes or the test lets the queue settle down; no thread is started.
 */
public final class ManualTimeline implements MessageQueueContract.Timeline {

    private final ManualClock clock = ManualClock.startingNow();
    private final ManualScheduler tasks = new ManualScheduler(clock);

    @Override
    public Clock clock() {
        return clock;
    }

    @Override
    public Executor executor() {
        return tasks;
    }

    @Override
    public ScheduledExecutorService scheduler() {
        return tasks;
    }

    @Override
    public void pass(Duration step) {
        clock.advance(step);
        runUntilIdle();
    }

    @Override
    public void settleDown() {
        runUntilIdle();
    }

    @Override
    public void until(String what, BooleanSupplier condition) {
        runUntilIdle();
        assertThat(condition.getAsBoolean()).as(what + ", with what is due at " + clock.instant() + " done").isTrue();
    }

    @Override
    public void close() {
    }

    /** Runs what is due; a scheduled task that threw fails the test, rather than staying in its future. */
    private void runUntilIdle() {
        tasks.runUntilIdle();
        if (!tasks.failures().isEmpty()) {
            throw new AssertionError("a task the queue scheduled failed", tasks.failures().get(0));
        }
    }
}
