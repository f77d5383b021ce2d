package dev.apiary.reliability;

import dev.apiary.Job;
import dev.apiary.JobHandler;
import dev.apiary.Outcome;
import dev.apiary.cdi.JobWorker;
import dev.apiary.cdi.Recurring;
import dev.apiary.cdi.Retry;
import dev.apiary.cdi.Timeout;
import dev.apiary.reliability.Payloads.Erroring;
import dev.apiary.reliability.Payloads.Hanging;
import dev.apiary.reliability.Payloads.Throwing;
import dev.apiary.reliability.Payloads.Tick;
import dev.apiary.reliability.Payloads.Work;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.inject.Inject;

/**
 * The worker beans of a node. {@code work} is the one every scenario drains; the others serve the poison-job
 * scenario and are disabled elsewhere ({@code apiary.workers.<name>.enabled=false}).
 */
public final class NodeWorkers {

    private NodeWorkers() {
    }

    /**
     * Records the run, then works for the payload's time and records its end; a failed record of the run (database
     * down) is retried.
     */
    @JobWorker(name = "work", concurrency = 8)
    @Retry(initialDelay = "200ms", maxDelay = "2s")
    @ApplicationScoped
    public static class WorkWorker implements JobHandler<Work> {
        @Inject
        RunLog runs;

        @Override
        public Outcome handle(Job<Work> job) throws Exception {
            runs.record(job.context());
            if (job.payload().millis() > 0) {
                Thread.sleep(job.payload().millis());
            }
            runs.ended(job.context());
            return Outcome.done();
        }
    }

    @JobWorker(name = "throwing")
    @Retry(initialDelay = "100ms", maxDelay = "200ms")
    @ApplicationScoped
    public static class ThrowingWorker implements JobHandler<Throwing> {
        @Override
        public Outcome handle(Job<Throwing> job) {
            throw new IllegalStateException("throwing handler refuses " + job.payload().note() + " (attempt "
                    + job.context().attempt() + ")");
        }
    }

    @JobWorker(name = "hanging")
    @Retry(initialDelay = "100ms", maxDelay = "200ms")
    @Timeout("1s")
    @ApplicationScoped
    public static class HangingWorker implements JobHandler<Hanging> {
        @Override
        public Outcome handle(Job<Hanging> job) throws InterruptedException {
            Thread.sleep(600_000);
            return Outcome.done();
        }
    }

    @JobWorker(name = "erroring")
    @Retry(initialDelay = "100ms", maxDelay = "200ms")
    @ApplicationScoped
    public static class ErroringWorker implements JobHandler<Erroring> {
        @Override
        public Outcome handle(Job<Erroring> job) {
            throw new AssertionError("erroring handler breaks on " + job.payload().note());
        }
    }

    /**
     * Runs the jobs of a schedule that fires every second; its misfire threshold is short, so that a test can pause
     * every node for longer. Disabled, with its schedule, except where a scenario asks for them.
     */
    @JobWorker(name = "tick", concurrency = 4)
    @Recurring(name = "every-second", cron = "* * * * * *", misfireThreshold = "10s")
    @ApplicationScoped
    public static class TickWorker implements JobHandler<Tick> {
        @Override
        public Outcome handle(Job<Tick> job) {
            return Outcome.done();
        }
    }
}
