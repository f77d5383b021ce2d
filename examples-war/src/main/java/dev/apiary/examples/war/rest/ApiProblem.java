package dev.apiary.examples.war.rest;

import jakarta.ws.rs.core.Response;

/** A request the API refuses: answered with {@code status} and a JSON error, never a stack trace. */
public class ApiProblem extends RuntimeException {

    private final Response.Status status;

    public ApiProblem(Response.Status status, String message) {
        super(message, null, false, false);
        this.status = status;
    }

    public static ApiProblem badRequest(String message) {
        return new ApiProblem(Response.Status.BAD_REQUEST, message);
    }

    public static ApiProblem notFound(String message) {
        return new ApiProblem(Response.Status.NOT_FOUND, message);
    }

    public Response.Status status() {
        return status;
    }
}
