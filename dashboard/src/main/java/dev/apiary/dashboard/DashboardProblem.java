package dev.apiary.dashboard;

import java.util.LinkedHashMap;
import java.util.Map;

/** A request the dashboard API refuses: answered with its status and a JSON error, never a stack trace. */
public class DashboardProblem extends RuntimeException {

    private final int status;
    private final Map<String, String> headers = new LinkedHashMap<>();

    public DashboardProblem(int status, String message) {
        super(message, null, false, false);
        this.status = status;
    }

    static DashboardProblem badRequest(String message) {
        return new DashboardProblem(400, message);
    }

    static DashboardProblem notFound(String message) {
        return new DashboardProblem(404, message);
    }

    static DashboardProblem conflict(String message) {
        return new DashboardProblem(409, message);
    }

    DashboardProblem header(String name, String value) {
        headers.put(name, value);
        return this;
    }

    public int status() {
        return status;
    }

    Map<String, String> headers() {
        return headers;
    }
}
