package dev.apiary.examples.war.rest;

import dev.apiary.PayloadTooLargeException;
import jakarta.ws.rs.WebApplicationException;
import jakarta.ws.rs.core.MediaType;
import jakarta.ws.rs.core.Response;
import jakarta.ws.rs.ext.ExceptionMapper;
import jakarta.ws.rs.ext.Provider;

import java.util.UUID;
import java.util.logging.Level;
import java.util.logging.Logger;

/** Turns every failure into a JSON {@link ApiError}: refusals keep their status, anything else is a 500. */
public final class ErrorMappers {

    private ErrorMappers() {
    }

    static Response answer(int status, String message) {
        Response.StatusType type = Response.Status.fromStatusCode(status);
        String reason = type != null ? type.getReasonPhrase() : "Error";
        return Response.status(status).type(MediaType.APPLICATION_JSON_TYPE)
                .entity(new ApiError(status, reason, message)).build();
    }

    @Provider
    public static class Problems implements ExceptionMapper<ApiProblem> {
        @Override
        public Response toResponse(ApiProblem problem) {
            return answer(problem.status().getStatusCode(), problem.getMessage());
        }
    }

    /**
     * The body of a 413: the storage's message (the length, the limit, what to do) and the two numbers for a client
     * that splits or shrinks what it sends.
     *
     * @param length the encoded payload's length, in characters
     * @param limit  the queue's limit, in characters
     */
    public record TooLarge(int status, String error, String message, String queue, long length, long limit) {
    }

    /** A payload longer than its queue's storage accepts: the client's to fix, so a 413, not a 500. */
    @Provider
    public static class PayloadTooLarge implements ExceptionMapper<PayloadTooLargeException> {
        @Override
        public Response toResponse(PayloadTooLargeException e) {
            int status = Response.Status.REQUEST_ENTITY_TOO_LARGE.getStatusCode();
            return Response.status(status).type(MediaType.APPLICATION_JSON_TYPE)
                    .entity(new TooLarge(status, "Content Too Large", e.getMessage(), e.queue(), e.length(),
                            e.limit()))
                    .build();
        }
    }

    /** Errors of the REST layer itself: unknown path (404), wrong method (405), unacceptable type (406)... */
    @Provider
    public static class RestErrors implements ExceptionMapper<WebApplicationException> {
        @Override
        public Response toResponse(WebApplicationException e) {
            int status = e.getResponse() != null ? e.getResponse().getStatus() : 500;
            Response.StatusType type = Response.Status.fromStatusCode(status);
            return answer(status, type != null ? type.getReasonPhrase() : "request refused");
        }
    }

    /** A bug or an outage: logged once here with an id, answered without the stack trace. */
    @Provider
    public static class Unexpected implements ExceptionMapper<Throwable> {

        private static final Logger LOG = Logger.getLogger(Unexpected.class.getName());

        @Override
        public Response toResponse(Throwable error) {
            String id = UUID.randomUUID().toString();
            LOG.log(Level.SEVERE, "request failed, error id " + id, error);
            return answer(500, "internal error, id " + id + " (see the server log)");
        }
    }
}
