package dev.apiary.testing;

import dev.apiary.impl.codec.JsonbCodec;
import dev.apiary.impl.storage.InMemoryStorage;
import dev.apiary.impl.worker.WorkerDefinition;
import dev.apiary.impl.worker.WorkerInstance;
import dev.apiary.spi.JobStorage;
import dev.apiary.worker.Worker;
import dev.apiary.worker.WorkerEvent;
import dev.apiary.worker.WorkerSnapshot;

import java.time.Duration;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;

/**
 * Runs one worker on the calling thread against a {@link ManualClock}: polls, jobs, settlements and heartbeats run
 * when {@link #runUntilIdle()} is called, and time moves only when the test moves it, so a test of backoff,
 * scheduled jobs or retries steps time instead of sleeping.
 *
 * <pre>{@code
 * ManualClock clock = ManualClock.startingNow();
 * JobStorage<Email> storage = WorkerDriver.inMemoryStorage("email", Email.class, clock);
 * WorkerDriver driver = WorkerDriver.start(WorkerBuilder.named("email").source(storage)
 *         .layer(Layers.retry(RetryPolicy.defaults())).handler(new EmailHandler(fakeMailer)), clock);
 * String id = storage.push(new Email("a@example.com"));
 * driver.runUntilIdle();                       // claimed, run, settled
 * driver.advance(Duration.ofMinutes(5));       // retries fall due and run
 * assertThat(storage.find(id).orElseThrow().status()).isEqualTo(JobStatus.DONE);
 * }</pre>
 *
 * A loop crash is restarted after one second of the manual clock. Not thread-safe: drive it from one thread.
 */
public final class WorkerDriver {

    private static final Duration RESTART_BACKOFF = Duration.ofSeconds(1);

    private final ManualClock clock;
    private final ManualScheduler scheduler;
    private final WorkerInstance<?> instance;
    private final List<WorkerEvent> events = new CopyOnWriteArrayList<>();
    private boolean stopped;

    private WorkerDriver(WorkerDefinition<?> def, ManualClock clock) {
        this.clock = clock;
        this.scheduler = new ManualScheduler(clock);
        this.instance = new WorkerInstance<>(def, 0, scheduler, scheduler, clock, new WorkerInstance.Supervisor() {
            @Override
            public void publish(WorkerEvent event) {
                events.add(event);
            }

            @Override
            public void crashed(WorkerInstance<?> crashed, Throwable error) {
                scheduler.schedule(crashed::resume, RESTART_BACKOFF.toNanos(), TimeUnit.NANOSECONDS);
            }

            @Override
            public boolean listening() {
                return true;
            }
        });
    }

    /** Starts {@code worker} (as built by {@code WorkerBuilder}) and runs its first poll. */
    public static WorkerDriver start(Worker worker, ManualClock clock) {
        if (!(worker instanceof WorkerDefinition<?> def)) {
            throw new IllegalArgumentException("Worker " + worker + " was not built by WorkerBuilder");
        }
        if (def.executor() != null) {
            throw new IllegalArgumentException("Worker '" + def.name() + "' has an executor of its own; the driver "
                    + "runs its jobs on the test's thread, so build it without executor(..)");
        }
        WorkerDriver driver = new WorkerDriver(def, clock);
        driver.instance.start();
        driver.runUntilIdle();
        return driver;
    }

    /** An in-memory storage that reads {@code clock}, so that run-at times and retries follow the manual clock. */
    public static <T> JobStorage<T> inMemoryStorage(String queue, Class<T> payloadType, ManualClock clock) {
        return new InMemoryStorage<>(queue, payloadType, new JsonbCodec(), clock);
    }

    /**
     * Runs, on this thread, every poll, job, settlement and heartbeat that is due at the clock's current time,
     * until none is left: every due job has run and its outcome is written back.
     *
     * @return how many loop tasks ran
     */
    public int runUntilIdle() {
        return scheduler.runUntilIdle();
    }

    /** Moves the clock forward by {@code step}, running what falls due on the way, in order. */
    public int advance(Duration step) {
        return scheduler.tick(step);
    }

    /** The worker's snapshot, as a monitor would report it. */
    public WorkerSnapshot snapshot() {
        return instance.snapshot();
    }

    /** Every event the worker published so far, in order. */
    public List<WorkerEvent> events() {
        return List.copyOf(events);
    }

    /** Stops the worker as a monitor would, handing back what it holds and writing back its outcomes. */
    public void stop() {
        if (stopped) {
            return;
        }
        stopped = true;
        instance.beginStop();
        runUntilIdle();
        try {
            instance.finishStop(clock.nanoTime());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("Interrupted while stopping worker " + instance.instanceId(), e);
        }
    }
}
