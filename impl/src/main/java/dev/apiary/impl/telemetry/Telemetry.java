package dev.apiary.impl.telemetry;

import dev.apiary.ConfigurationException;
import dev.apiary.JobContext;
import dev.apiary.JobOptions;
import dev.apiary.JobStatus;
import dev.apiary.Outcome;
import dev.apiary.worker.WorkerSnapshot;

import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import java.util.function.Supplier;
import java.util.logging.Level;
import java.util.logging.Logger;

/**
 * Where the runtime reports traces and metrics. {@link #NONE} records nothing; the OpenTelemetry recorder is the
 * only other kind. No OpenTelemetry type appears in this class, so it loads (and the runtime works) without
 * OpenTelemetry on the class path: the recorder class is loaded only after {@link #AVAILABLE} said it may be.
 */
public abstract class Telemetry {

    private static final Logger LOG = Logger.getLogger(Telemetry.class.getName());

    /** Records nothing. */
    public static final Telemetry NONE = new Telemetry() {
    };

    /** Whether the OpenTelemetry API is on the class path. */
    public static final boolean AVAILABLE = present("io.opentelemetry.api.OpenTelemetry");

    /**
     * What pushes and monitors without telemetry of their own report to: the container monitor's, the last one given
     * to a monitor, else the global one once set. One per class loader (one per application in a server).
     */
    private static volatile Telemetry shared;

    /** One attempt's span and timers; {@link #end} is called once, on the thread that started it. */
    public interface Attempt {

        Attempt NONE = (outcome, thrown) -> {
        };

        /**
         * Ends the attempt with its outcome and, when the chain threw, the exception the outcome was made of.
         * Never throws.
         */
        void end(Outcome outcome, Throwable thrown);

        /** Ends an attempt whose job was cancelled while it ran; {@code outcome} is what the handler returned. */
        default void endCancelled(Outcome outcome, Throwable thrown) {
            end(outcome, thrown);
        }
    }

    /**
     * Telemetry on {@code openTelemetry}, an {@code io.opentelemetry.api.OpenTelemetry}; {@link #NONE} for its
     * no-op instance.
     *
     * @throws ConfigurationException when OpenTelemetry is not on the class path or the object is not one
     */
    public static Telemetry of(Object openTelemetry, Duration backlogRefresh) {
        if (!AVAILABLE) {
            throw new ConfigurationException("OpenTelemetry was given to Apiary but io.opentelemetry:opentelemetry-api"
                    + " is not on the class path; add it, or do not pass an OpenTelemetry");
        }
        try {
            return OpenTelemetryRecorder.create(openTelemetry, backlogRefresh);
        } catch (LinkageError e) {
            // a server's OpenTelemetry API older than what Apiary uses: jobs must run all the same
            LOG.log(Level.WARNING, "Apiary records no traces or metrics: the OpenTelemetry API on the class path"
                    + " lacks a part it needs (" + e + "); MicroProfile Telemetry 2.x provides a recent enough one", e);
            return NONE;
        }
    }

    /**
     * Telemetry on {@code GlobalOpenTelemetry} once it is set (by the application or the OpenTelemetry agent), or
     * {@code null} while it is not or OpenTelemetry is not on the class path.
     */
    public static Telemetry globalIfSet(Duration backlogRefresh) {
        return AVAILABLE ? OpenTelemetryRecorder.onGlobalIfSet(backlogRefresh) : null;
    }

    /** How often the backlog gauge's counts are queried at most, per queue, when nothing else is configured. */
    public static final Duration DEFAULT_BACKLOG_REFRESH = Duration.ofSeconds(10);

    /**
     * The telemetry pushes report to, and monitors that were given none: the one last {@linkplain #share shared},
     * else {@code GlobalOpenTelemetry} once it is set, else {@link #NONE} (asking again next time).
     */
    public static Telemetry shared() {
        Telemetry t = shared;
        if (t == null) {
            synchronized (Telemetry.class) {
                if (shared == null) {
                    shared = globalIfSet(DEFAULT_BACKLOG_REFRESH);
                }
                t = shared;
            }
        }
        return t == null ? NONE : t;
    }

    /** Makes pushes (and monitors given none) in this class loader report to {@code telemetry}. */
    public static void share(Telemetry telemetry) {
        shared = telemetry;
    }

    /**
     * Called before a storage stores pushed jobs: may add the caller's trace context to the metadata and counts the
     * jobs. Returns the options to store.
     */
    public JobOptions pushing(String queue, JobOptions options, int jobs) {
        return options;
    }

    /** Starts an attempt of {@code job} by {@code worker}: its span is current on this thread until it ends. */
    public Attempt attempt(String worker, JobContext job) {
        return Attempt.NONE;
    }

    /** Reports the worker instances of a monitor (by worker and state) for as long as it runs. */
    public void watch(Supplier<List<WorkerSnapshot>> instances) {
    }

    /** Stops reporting a monitor's instances. */
    public void unwatch(Supplier<List<WorkerSnapshot>> instances) {
    }

    /**
     * Unregisters the gauges' callbacks, for an application that goes away while the OpenTelemetry it reported to
     * stays (a server-wide one).
     */
    public void close() {
    }

    /** Whether this records anything. */
    public boolean isRecording() {
        return this != NONE;
    }

    /**
     * Gives the backlog gauge fresh counts of {@code queue}, querying them only when the last query is older than
     * the refresh interval; called from a worker's heartbeat, never from a scrape.
     */
    public void refreshBacklog(String queue, Supplier<Map<JobStatus, Long>> counts) {
    }

    /** The current trace id, or {@code null} when no span is current (or OpenTelemetry is absent). */
    public static String currentTraceId() {
        return AVAILABLE ? OpenTelemetryRecorder.spanTraceId() : null;
    }

    /** {@code task} with the caller's trace context made current around it, for a hand-off to another thread. */
    public static <V> Callable<V> propagate(Callable<V> task) {
        return AVAILABLE ? OpenTelemetryRecorder.withContext(task) : task;
    }

    private static boolean present(String className) {
        try {
            Class.forName(className, false, Telemetry.class.getClassLoader());
            return true;
        } catch (ClassNotFoundException | LinkageError e) {
            return false;
        }
    }
}
