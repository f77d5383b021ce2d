package dev.apiary.examples.war.smoke;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.time.Duration;
import java.time.Instant;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Traces and metrics of the jobs reach the server's MicroProfile Telemetry. Checked where the smoke test configures
 * it with the logging exporter (Open Liberty, {@code mpTelemetry-2.0}): the spans and metrics appear in the log.
 */
final class TelemetrySmoke {

    private static final Duration TIMEOUT = Duration.ofSeconds(60);
    /** A span as the logging exporter prints it: {@code 'name' : traceId spanId KIND [tracer: ...] attributes}. */
    private static final Pattern SPAN = Pattern.compile("'([^']+)' : ([0-9a-f]{32}) ([0-9a-f]{16}) ([A-Z]+) (.*)");
    private static final List<String> METRICS = List.of("apiary.jobs.enqueued", "apiary.jobs.finished",
            "apiary.jobs.retried", "apiary.job.run.duration", "apiary.job.wait.duration", "apiary.jobs.running",
            "apiary.jobs.backlog", "apiary.worker.instances");

    private TelemetrySmoke() {
    }

    /** Asserts that the jobs the scenario ran left their spans and metrics; on other servers does nothing. */
    static void assertOn(ServerProcess server) throws IOException, InterruptedException {
        if (!(server instanceof OpenLiberty)) {
            return;
        }
        Instant deadline = Instant.now().plus(TIMEOUT);
        String missing;
        do {
            missing = missing(Files.readString(server.log(), StandardCharsets.UTF_8));
            if (missing == null) {
                System.out.println(server.name() + ": job spans and metrics reached the logging exporter");
                return;
            }
            Thread.sleep(500);
        } while (Instant.now().isBefore(deadline));
        throw new AssertionError("telemetry: " + missing + " in " + server.log() + " after " + TIMEOUT);
    }

    /** What is not there yet, or {@code null} when everything is. */
    private static String missing(String log) {
        Set<String> requestTraces = new HashSet<>();
        Set<String> jobTraces = new HashSet<>();
        boolean failedAttempt = false;
        for (String line : log.split("\n")) {
            Matcher span = SPAN.matcher(line);
            if (!span.find()) {
                continue;
            }
            if (span.group(1).equals("process email") && span.group(4).equals("CONSUMER")) {
                jobTraces.add(span.group(2));
            } else if (span.group(1).equals("process ledger-sync")) {
                failedAttempt |= span.group(5).contains("apiary.job.outcome=killed")
                        || span.group(5).contains("apiary.job.outcome=retried");
            } else if (span.group(4).equals("SERVER")) {
                requestTraces.add(span.group(2));
            }
        }
        if (jobTraces.isEmpty()) {
            return "no 'process email' span";
        }
        if (!failedAttempt) {
            return "no retried or killed 'process ledger-sync' span";
        }
        if (jobTraces.stream().noneMatch(requestTraces::contains)) {
            return "no 'process email' span in the trace of the HTTP request that enqueued it (" + jobTraces.size()
                    + " job traces, " + requestTraces.size() + " request traces)";
        }
        for (String metric : METRICS) {
            if (!log.contains("name=" + metric + ",")) {
                return "no metric " + metric;
            }
        }
        return null;
    }
}
