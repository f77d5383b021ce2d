package dev.apiary.worker;

import dev.apiary.JobResult;
import dev.apiary.schedule.Schedule;
import dev.apiary.schedule.Schedules;
import dev.apiary.spi.ApiaryProvider;
import dev.apiary.spi.JobStorage;

import java.time.Duration;
import java.util.Collection;
import java.util.List;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.Executor;
import java.util.concurrent.ScheduledExecutorService;
import java.util.function.IntFunction;
import java.util.function.Supplier;

/**
 * Supervises workers: starts their instances, restarts an instance whose loop crashed (with backoff, up to a
 * budget), and stops them gracefully. In a container the Apiary CDI extension runs one for the application.
 */
public interface Monitor {

    /** A monitor on its own daemon threads (outside a container), shut down when it stops. */
    static Monitor create() {
        return ApiaryProvider.instance().newMonitor();
    }

    /**
     * A monitor whose jobs run on {@code executor} and whose polls, heartbeats and restarts are timed by
     * {@code scheduler}; both stay the caller's: the monitor never shuts them down.
     */
    static Monitor create(Executor executor, ScheduledExecutorService scheduler) {
        return ApiaryProvider.instance().newMonitor(executor, scheduler);
    }

    /**
     * Waits for a job of {@code storage} to become final, without holding a thread: the stage completes when the job
     * is done, failed, killed or cancelled, with its {@link JobResult} (a failed job completes it normally, its status
     * and error in the result: {@link JobResult#orElseThrow()} turns that into an exception). It is woken by the
     * completion itself (the storage's {@linkplain JobStorage#onFinished signal}, on PostgreSQL a notification from
     * any node) and polls the storage as a fallback; the job may run on any node. The stage completes exceptionally
     * with {@link dev.apiary.AwaitTimeoutException} after {@code timeout}, {@link dev.apiary.JobNotFoundException} when
     * there is no such job, and {@link dev.apiary.CodecException} when the result does not decode into {@code type}.
     * Callbacks run on the monitor's scheduler: keep them short, or use the {@code ...Async} stage methods. The
     * monitor need not run workers; a stopped monitor ends every wait with an exception.
     */
    <R> CompletionStage<JobResult<R>> await(JobStorage<?> storage, String id, Class<R> type, Duration timeout);

    /**
     * Waits for every job of {@code ids} to become final, as {@link #await} does for one, and completes with their
     * results in the order of {@code ids}; at the timeout it completes exceptionally with
     * {@link dev.apiary.AwaitTimeoutException}, which names the jobs that were not final.
     */
    <R> CompletionStage<List<JobResult<R>>> awaitAll(JobStorage<?> storage, Collection<String> ids, Class<R> type,
                                                     Duration timeout);

    /**
     * How often waits poll their storage as a fallback for a completion signal that does not come (another node's
     * completion on a storage that cannot notify, a lost notification): {@code 1s} by default. Call before waiting.
     */
    Monitor awaitPollInterval(Duration interval);

    /** Registers one instance of a worker. */
    Monitor register(Worker worker);

    /** Registers {@code count} instances, each built by {@code factory} from its index. */
    Monitor register(int count, IntFunction<Worker> factory);

    /**
     * Registers a recurring schedule: while the monitor runs, each fire time pushes one job with a payload from
     * {@code payload} to {@code storage}, once across every node that registers the same schedule on the same
     * storage. The storage must keep schedules ({@link JobStorage#scheduleStore()}). Register before {@link #start()}.
     */
    <T> Monitor schedule(Schedule schedule, JobStorage<T> storage, Supplier<? extends T> payload);

    /** The registered schedules: list them, pause, resume or trigger one. */
    Schedules schedules();

    /**
     * Reports traces and metrics to {@code openTelemetry}, an {@code io.opentelemetry.api.OpenTelemetry} (typed
     * {@code Object} so that the API needs no OpenTelemetry on the class path); pushes in this application report
     * to it too, and so do monitors that are given none. Without any such call a monitor uses
     * {@code GlobalOpenTelemetry} if the application or the OpenTelemetry agent has set it by the time the monitor
     * starts (a container monitor: the server's MicroProfile Telemetry), and
     * records nothing otherwise; pass {@code OpenTelemetry.noop()} to record nothing. Call it before {@link #start()}.
     *
     * @throws dev.apiary.ConfigurationException when it is not an OpenTelemetry or the API is not on the class path
     */
    Monitor telemetry(Object openTelemetry);

    /** Adds a listener for every worker's events. */
    Monitor addListener(WorkerListener listener);

    /** How long {@link #stop()} waits for running jobs before handing them back (default 30 s). */
    Monitor gracePeriod(Duration gracePeriod);

    /**
     * How the monitor restarts an instance whose loop crashed (a storage that went away, a bug): after
     * {@code initialBackoff}, doubling up to {@code maxBackoff}; after {@code maxConsecutiveRestarts} crashes with no
     * successful poll in between, the instance is reported {@link WorkerState#FAILING} and restarted every
     * {@code maxBackoff} until a claim works again, when it resumes by itself (default 10, 1 s, 30 s). The monitor
     * never stops itself or its schedules because of a failing instance.
     */
    Monitor restartBudget(int maxConsecutiveRestarts, Duration initialBackoff, Duration maxBackoff);

    /** Starts every registered worker and returns at once. */
    void start();

    /**
     * Stops claiming, waits up to the grace period for running jobs, interrupts and hands back the rest, and
     * returns when every worker has stopped. Calling it again does nothing.
     */
    void stop();

    /**
     * Starts the workers and blocks until every one has stopped: through {@link #stop()}, or on its own when its
     * source has ended (a finished or failed stream); once they all have, the monitor stops (its schedules too) and
     * this returns.
     */
    void run() throws InterruptedException;

    /** Like {@link #run()}, and stops gracefully when {@code signal} completes; the calling thread runs the stop. */
    void runUntil(CompletionStage<?> signal) throws InterruptedException;

    /**
     * Like {@link #run()}, and stops gracefully when the JVM is asked to shut down (SIGTERM, SIGINT or Ctrl-C,
     * {@code System.exit}): the stop runs in a shutdown hook, so the JVM exits only once running jobs have finished
     * or, after the grace period, been handed back.
     */
    void runUntilShutdown() throws InterruptedException;

    /** The state of every worker instance now. */
    List<WorkerSnapshot> snapshot();
}
