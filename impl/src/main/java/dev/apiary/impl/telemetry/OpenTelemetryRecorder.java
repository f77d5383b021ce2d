package dev.apiary.impl.telemetry;

import dev.apiary.ConfigurationException;
import dev.apiary.JobContext;
import dev.apiary.JobOptions;
import dev.apiary.JobStatus;
import dev.apiary.Outcome;
import dev.apiary.impl.outcome.AttemptResult;
import dev.apiary.worker.WorkerSnapshot;
import dev.apiary.worker.WorkerState;
import io.opentelemetry.api.GlobalOpenTelemetry;
import io.opentelemetry.api.OpenTelemetry;
import io.opentelemetry.api.common.AttributeKey;
import io.opentelemetry.api.common.Attributes;
import io.opentelemetry.api.metrics.DoubleHistogram;
import io.opentelemetry.api.metrics.DoubleHistogramBuilder;
import io.opentelemetry.api.metrics.LongCounter;
import io.opentelemetry.api.metrics.LongUpDownCounter;
import io.opentelemetry.api.metrics.Meter;
import io.opentelemetry.api.metrics.ObservableLongGauge;
import io.opentelemetry.api.metrics.ObservableLongMeasurement;
import io.opentelemetry.api.trace.Span;
import io.opentelemetry.api.trace.SpanContext;
import io.opentelemetry.api.trace.SpanKind;
import io.opentelemetry.api.trace.StatusCode;
import io.opentelemetry.api.trace.Tracer;
import io.opentelemetry.api.trace.propagation.W3CTraceContextPropagator;
import io.opentelemetry.context.Context;
import io.opentelemetry.context.Scope;
import io.opentelemetry.context.propagation.TextMapGetter;

import java.time.Duration;
import java.time.Instant;
import java.util.EnumMap;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Supplier;
import java.util.logging.Level;
import java.util.logging.Logger;

/**
 * Telemetry through the OpenTelemetry API: a span per attempt, a child of the context the job was pushed in (kept
 * as a W3C {@code traceparent} in the job's metadata), and the Apiary metrics. Loaded only when the API is present.
 *
 * <p>The span's parent is the pushing context rather than a link to it: a job is one message processed on its own,
 * and operators expect it in the trace of the request that enqueued it (a link would start a trace of its own per
 * attempt). The cost is that a trace spans the job's retries, hours apart at worst.
 */
final class OpenTelemetryRecorder extends Telemetry {

    private static final Logger LOG = Logger.getLogger(OpenTelemetryRecorder.class.getName());
    static final String SCOPE = "dev.apiary";
    static final String TRACEPARENT = "traceparent";
    static final String TRACESTATE = "tracestate";

    // span attributes after the OpenTelemetry semantic conventions for messaging, and Apiary's own
    static final AttributeKey<String> MESSAGING_SYSTEM = AttributeKey.stringKey("messaging.system");
    static final AttributeKey<String> OPERATION_NAME = AttributeKey.stringKey("messaging.operation.name");
    static final AttributeKey<String> OPERATION_TYPE = AttributeKey.stringKey("messaging.operation.type");
    static final AttributeKey<String> DESTINATION = AttributeKey.stringKey("messaging.destination.name");
    static final AttributeKey<String> MESSAGE_ID = AttributeKey.stringKey("messaging.message.id");
    static final AttributeKey<String> CONSUMER_GROUP = AttributeKey.stringKey("messaging.consumer.group.name");
    static final AttributeKey<Long> ATTEMPT = AttributeKey.longKey("apiary.job.attempt");
    static final AttributeKey<Long> MAX_ATTEMPTS = AttributeKey.longKey("apiary.job.max_attempts");
    static final AttributeKey<String> OUTCOME = AttributeKey.stringKey("apiary.job.outcome");
    static final AttributeKey<String> EXCEPTION_TYPE = AttributeKey.stringKey("exception.type");
    static final AttributeKey<String> EXCEPTION_MESSAGE = AttributeKey.stringKey("exception.message");
    static final AttributeKey<String> EXCEPTION_STACKTRACE = AttributeKey.stringKey("exception.stacktrace");

    // metric attributes: short, since they become Prometheus labels
    static final AttributeKey<String> QUEUE = AttributeKey.stringKey("queue");
    static final AttributeKey<String> RESULT = AttributeKey.stringKey("outcome");
    static final AttributeKey<String> STATUS = AttributeKey.stringKey("status");
    static final AttributeKey<String> WORKER = AttributeKey.stringKey("worker");
    static final AttributeKey<String> STATE = AttributeKey.stringKey("state");

    /** Seconds: from a millisecond to an hour, for run and wait times alike. */
    private static final List<Double> BUCKETS = List.of(0.001, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5,
            5.0, 10.0, 30.0, 60.0, 300.0, 900.0, 3600.0);

    private static final TextMapGetter<Map<String, String>> METADATA = new TextMapGetter<>() {
        @Override
        public Iterable<String> keys(Map<String, String> carrier) {
            return carrier.keySet();
        }

        @Override
        public String get(Map<String, String> carrier, String key) {
            return carrier == null ? null : carrier.get(key);
        }
    };

    private final Tracer tracer;
    private final LongCounter enqueued;
    private final LongCounter finished;
    private final LongCounter retried;
    private final DoubleHistogram runDuration;
    private final DoubleHistogram waitDuration;
    private final LongUpDownCounter running;
    private final Duration backlogRefresh;
    private final Map<String, QueueAttributes> queues = new ConcurrentHashMap<>();
    private final Map<String, Backlog> backlogs = new ConcurrentHashMap<>();
    private final List<Supplier<List<WorkerSnapshot>>> monitors = new CopyOnWriteArrayList<>();
    private final List<ObservableLongGauge> gauges;

    private OpenTelemetryRecorder(OpenTelemetry otel, Duration backlogRefresh) {
        this.backlogRefresh = backlogRefresh;
        this.tracer = otel.getTracer(SCOPE);
        Meter meter = otel.getMeter(SCOPE);
        enqueued = meter.counterBuilder("apiary.jobs.enqueued").setUnit("{job}")
                .setDescription("Jobs pushed, by queue").build();
        finished = meter.counterBuilder("apiary.jobs.finished").setUnit("{job}")
                .setDescription("Jobs that ended, by queue and outcome (done, failed, killed)").build();
        retried = meter.counterBuilder("apiary.jobs.retried").setUnit("{attempt}")
                .setDescription("Attempts that failed and left their job to run again, by queue").build();
        runDuration = histogram(meter.histogramBuilder("apiary.job.run.duration")
                .setDescription("How long an attempt ran, layers included, by queue and outcome"));
        waitDuration = histogram(meter.histogramBuilder("apiary.job.wait.duration")
                .setDescription("From the instant a job was due (its run-at) to the start of its attempt, by queue"));
        running = meter.upDownCounterBuilder("apiary.jobs.running").setUnit("{job}")
                .setDescription("Attempts running now on this node, by queue").build();
        gauges = List.of(meter.gaugeBuilder("apiary.jobs.backlog").ofLongs().setUnit("{job}")
                .setDescription("Pending and running jobs by queue and status, as counted at the last refresh")
                .buildWithCallback(this::observeBacklog),
                meter.gaugeBuilder("apiary.worker.instances").ofLongs().setUnit("{instance}")
                .setDescription("Worker instances on this node by worker and state")
                .buildWithCallback(this::observeWorkers));
    }

    @Override
    public void close() {
        for (ObservableLongGauge gauge : gauges) {
            try {
                gauge.close();
            } catch (RuntimeException | AbstractMethodError e) {
                LOG.log(Level.FINE, "Cannot unregister an Apiary gauge", e);
            }
        }
    }

    static Telemetry create(Object openTelemetry, Duration backlogRefresh) {
        if (!(openTelemetry instanceof OpenTelemetry otel)) {
            throw new ConfigurationException("Apiary expects an io.opentelemetry.api.OpenTelemetry, was "
                    + (openTelemetry == null ? "null" : openTelemetry.getClass().getName()));
        }
        if (otel == OpenTelemetry.noop()) {
            return NONE;
        }
        return new OpenTelemetryRecorder(otel, backlogRefresh);
    }

    /** On {@code GlobalOpenTelemetry} once an application or agent has set it; {@code null} before. */
    static Telemetry onGlobalIfSet(Duration backlogRefresh) {
        try {
            if (!GlobalOpenTelemetry.isSet()) {
                // get() would fix the global to a no-op for good, and the application's set() would then fail
                return null;
            }
        } catch (NoSuchMethodError e) {
            // an OpenTelemetry API older than 1.52 (a server's) cannot tell; take what it has
            LOG.log(Level.FINE, "GlobalOpenTelemetry.isSet() is not available", e);
        }
        return new OpenTelemetryRecorder(GlobalOpenTelemetry.get(), backlogRefresh);
    }

    private static DoubleHistogram histogram(DoubleHistogramBuilder builder) {
        builder.setUnit("s");
        try {
            builder.setExplicitBucketBoundariesAdvice(BUCKETS);
        } catch (NoSuchMethodError | AbstractMethodError e) {
            // an OpenTelemetry API older than 1.32 (a server's): the SDK's default buckets apply
            LOG.log(Level.FINE, "Histogram bucket advice is not supported by this OpenTelemetry API", e);
        }
        return builder.build();
    }

    // ---- push

    @Override
    public JobOptions pushing(String queue, JobOptions options, int jobs) {
        enqueued.add(jobs, attributes(queue).queue);
        if (options.metadata().containsKey(TRACEPARENT)) {
            return options; // the caller chose the job's parent
        }
        Context context = Context.current();
        if (!Span.fromContext(context).getSpanContext().isValid()) {
            return options;
        }
        Map<String, String> carrier = new HashMap<>(4);
        W3CTraceContextPropagator.getInstance().inject(context, carrier, Map::put);
        JobOptions result = options;
        for (Map.Entry<String, String> e : carrier.entrySet()) {
            result = result.withMetadata(e.getKey(), e.getValue());
        }
        return result;
    }

    // ---- attempts

    @Override
    public Attempt attempt(String worker, JobContext job) {
        QueueAttributes attrs = attributes(job.queue());
        Instant now = Instant.now();
        Duration wait = Duration.between(job.runAt(), now);
        waitDuration.record(wait.isNegative() ? 0 : wait.toNanos() / 1e9, attrs.queue);
        Context parent = job.metadata().containsKey(TRACEPARENT)
                ? W3CTraceContextPropagator.getInstance().extract(Context.root(), job.metadata(), METADATA)
                : Context.root();
        Span span = tracer.spanBuilder("process " + job.queue())
                .setParent(parent)
                .setSpanKind(SpanKind.CONSUMER)
                .setAttribute(MESSAGING_SYSTEM, "apiary")
                .setAttribute(OPERATION_NAME, "process")
                .setAttribute(OPERATION_TYPE, "process")
                .setAttribute(DESTINATION, job.queue())
                .setAttribute(MESSAGE_ID, job.id())
                .setAttribute(CONSUMER_GROUP, worker)
                .setAttribute(ATTEMPT, (long) job.attempt())
                .setAttribute(MAX_ATTEMPTS, (long) job.maxAttempts())
                .startSpan();
        Scope scope = span.makeCurrent();
        running.add(1, attrs.queue);
        long start = System.nanoTime();
        return new Attempt() {
            @Override
            public void end(Outcome outcome, Throwable thrown) {
                ended(AttemptResult.of(job, outcome), outcome, thrown);
            }

            @Override
            public void endCancelled(Outcome outcome, Throwable thrown) {
                ended(AttemptResult.CANCELLED, outcome, thrown);
            }

            private void ended(AttemptResult result, Outcome outcome, Throwable thrown) {
                try {
                    double seconds = (System.nanoTime() - start) / 1e9;
                    running.add(-1, attrs.queue);
                    runDuration.record(seconds, attrs.byResult.get(result));
                    if (result == AttemptResult.RETRIED) {
                        retried.add(1, attrs.queue);
                    } else {
                        finished.add(1, attrs.byResult.get(result));
                    }
                    span.setAttribute(OUTCOME, result.label());
                    if (result != AttemptResult.DONE) {
                        markFailed(span, outcome, thrown);
                    }
                } catch (RuntimeException e) {
                    LOG.log(Level.WARNING, "Recording the end of job " + job.id() + " in OpenTelemetry failed", e);
                } finally {
                    span.end();
                    scope.close();
                }
            }
        };
    }

    private static void markFailed(Span span, Outcome outcome, Throwable thrown) {
        String error = outcome instanceof Outcome.Retry r ? r.error()
                : outcome instanceof Outcome.Failed f ? f.error()
                : outcome instanceof Outcome.Kill k ? k.reason() : null;
        span.setStatus(StatusCode.ERROR, firstLine(error));
        if (thrown != null) {
            span.recordException(thrown);
        } else if (error != null && !(outcome instanceof Outcome.Kill)) {
            // a layer turned the exception into an outcome: its text is a stack trace, recorded as the exception
            // event would be
            String first = firstLine(error);
            int colon = first.indexOf(':');
            String type = colon < 0 ? first : first.substring(0, colon);
            String message = colon < 0 ? "" : first.substring(colon + 1).trim();
            span.addEvent("exception", Attributes.of(EXCEPTION_TYPE, type, EXCEPTION_MESSAGE, message,
                    EXCEPTION_STACKTRACE, error));
        }
    }

    private static String firstLine(String text) {
        if (text == null) {
            return "";
        }
        int nl = text.indexOf('\n');
        return (nl < 0 ? text : text.substring(0, nl)).trim();
    }

    private QueueAttributes attributes(String queue) {
        return queues.computeIfAbsent(queue, QueueAttributes::new);
    }

    /** The attribute sets of one queue, built once. */
    private static final class QueueAttributes {
        final Attributes queue;
        final Map<AttemptResult, Attributes> byResult = new EnumMap<>(AttemptResult.class);

        QueueAttributes(String name) {
            queue = Attributes.of(QUEUE, name);
            for (AttemptResult r : AttemptResult.values()) {
                byResult.put(r, Attributes.of(QUEUE, name, RESULT, r.label()));
            }
        }
    }

    // ---- gauges

    @Override
    public void watch(Supplier<List<WorkerSnapshot>> instances) {
        monitors.add(instances);
    }

    @Override
    public void unwatch(Supplier<List<WorkerSnapshot>> instances) {
        monitors.remove(instances);
    }

    private void observeWorkers(ObservableLongMeasurement measurement) {
        Map<String, Map<WorkerState, Long>> byWorker = new HashMap<>();
        for (Supplier<List<WorkerSnapshot>> monitor : monitors) {
            for (WorkerSnapshot s : monitor.get()) {
                byWorker.computeIfAbsent(s.worker(), w -> new EnumMap<>(WorkerState.class))
                        .merge(s.state(), 1L, Long::sum);
            }
        }
        byWorker.forEach((worker, states) -> {
            for (WorkerState state : WorkerState.values()) {
                measurement.record(states.getOrDefault(state, 0L),
                        Attributes.of(WORKER, worker, STATE, state.name().toLowerCase(java.util.Locale.ROOT)));
            }
        });
    }

    @Override
    public void refreshBacklog(String queue, Supplier<Map<JobStatus, Long>> counts) {
        Backlog backlog = backlogs.computeIfAbsent(queue, Backlog::new);
        long now = System.nanoTime();
        long due = backlog.nextRefresh.get();
        // one query per interval and queue, however many instances heartbeat
        if (now - due < 0 || !backlog.nextRefresh.compareAndSet(due, now + backlogRefresh.toNanos())) {
            return;
        }
        try {
            backlog.counts = Map.copyOf(counts.get());
            if (backlog.failing) {
                backlog.failing = false;
                LOG.info(() -> "The backlog of queue '" + queue + "' is counted again");
            }
        } catch (RuntimeException e) {
            // the gauge keeps the last counts; the storage's own outage is reported by the worker
            if (!backlog.failing) {
                backlog.failing = true;
                LOG.log(Level.WARNING, "Cannot count the backlog of queue '" + queue + "' for the apiary.jobs.backlog"
                        + " gauge; it keeps the last counts until the storage answers", e);
            }
        }
    }

    private void observeBacklog(ObservableLongMeasurement measurement) {
        for (Backlog backlog : backlogs.values()) {
            Map<JobStatus, Long> counts = backlog.counts;
            if (counts != null) {
                measurement.record(counts.getOrDefault(JobStatus.PENDING, 0L), backlog.pending);
                measurement.record(counts.getOrDefault(JobStatus.RUNNING, 0L), backlog.running);
            }
        }
    }

    /** The last counts of one queue; written by one heartbeat at a time, read by scrapes. */
    private static final class Backlog {
        final Attributes pending;
        final Attributes running;
        final AtomicLong nextRefresh = new AtomicLong(System.nanoTime());
        volatile Map<JobStatus, Long> counts;
        volatile boolean failing;

        Backlog(String queue) {
            pending = Attributes.of(QUEUE, queue, STATUS, "pending");
            running = Attributes.of(QUEUE, queue, STATUS, "running");
        }
    }

    // ---- context

    static String spanTraceId() {
        SpanContext context = Span.current().getSpanContext();
        return context.isValid() ? context.getTraceId() : null;
    }

    static <V> Callable<V> withContext(Callable<V> task) {
        return Context.current().wrap(task);
    }
}
