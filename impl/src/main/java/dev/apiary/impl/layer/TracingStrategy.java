package dev.apiary.impl.layer;

import dev.apiary.Job;
import dev.apiary.Outcome;
import dev.apiary.impl.telemetry.Telemetry;
import dev.apiary.layer.Layer;

import java.util.logging.Level;
import java.util.logging.Logger;

/**
 * Logs each job under {@code dev.apiary.jobs}: start and success at FINE, any other outcome at INFO with its
 * first line, an exception at WARNING; always with the job id, queue, attempt, duration and, when the attempt runs
 * in a span, the trace id, so that logs and traces can be joined. The span itself and the metrics are the
 * runtime's, recorded for every attempt whether this layer is there or not (see {@code Telemetry}).
 */
public final class TracingStrategy implements Layer {

    static final Logger LOG = Logger.getLogger("dev.apiary.jobs");

    @Override
    public Outcome apply(Job<?> job, Next next) throws Exception {
        long start = System.nanoTime();
        if (LOG.isLoggable(Level.FINE)) {
            LOG.fine(() -> "start " + describe(job));
        }
        try {
            Outcome outcome = next.proceed();
            long millis = (System.nanoTime() - start) / 1_000_000;
            if (outcome instanceof Outcome.Done) {
                LOG.fine(() -> "done " + describe(job) + " in " + millis + " ms");
            } else {
                LOG.info(() -> summary(outcome) + " " + describe(job) + " after " + millis + " ms");
            }
            return outcome;
        } catch (Exception | Error e) {
            long millis = (System.nanoTime() - start) / 1_000_000;
            LOG.log(Level.WARNING, "threw " + describe(job) + " after " + millis + " ms: " + e, e);
            throw e;
        }
    }

    private static String describe(Job<?> job) {
        String traceId = Telemetry.currentTraceId();
        return "job " + job.id() + " queue=" + job.context().queue() + " attempt=" + job.context().attempt() + "/"
                + job.context().maxAttempts() + (traceId == null ? "" : " trace=" + traceId);
    }

    private static String summary(Outcome outcome) {
        if (outcome instanceof Outcome.Retry r) {
            return "retry at " + r.at() + " (" + firstLine(r.error()) + ")";
        } else if (outcome instanceof Outcome.Kill k) {
            return "killed (" + firstLine(k.reason()) + ")";
        } else if (outcome instanceof Outcome.Failed f) {
            return "failed (" + firstLine(f.error()) + ")";
        }
        return String.valueOf(outcome);
    }

    private static String firstLine(String text) {
        if (text == null) {
            return "";
        }
        int nl = text.indexOf('\n');
        return (nl < 0 ? text : text.substring(0, nl)).trim();
    }
}
