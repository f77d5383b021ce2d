package dev.apiary.examples.war.report;

/**
 * A report to build: the payload of the {@code report} queue.
 *
 * @param seconds     how long building takes, or {@code null} for the configured {@code example.report.duration}
 * @param dataReadyAt when the data the report needs is ready; an attempt before fails (retry it later), or
 *                    {@code null} when it is ready
 */
public record ReportRequest(String name, Integer seconds, java.time.Instant dataReadyAt) {

    public static String problem(ReportRequest request) {
        if (request.name() == null || request.name().isBlank()) {
            return "'name' must not be empty";
        }
        if (request.seconds() != null && (request.seconds() < 0 || request.seconds() > 300)) {
            return "'seconds' must be between 0 and 300, was " + request.seconds();
        }
        return null;
    }
}
