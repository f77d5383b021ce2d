package dev.apiary.dashboard;

import jakarta.ws.rs.WebApplicationException;
import jakarta.ws.rs.core.MediaType;
import jakarta.ws.rs.core.Response;
import jakarta.ws.rs.ext.ExceptionMapper;

import java.util.UUID;
import java.util.logging.Level;
import java.util.logging.Logger;

/** Every error of the dashboard API as JSON ({@code status}, {@code error}, {@code message}), no stack trace. */
final class ProblemMappers {

    /** The JSON body of an error. */
    public record ApiError(int status, String error, String message) {
    }

    private ProblemMappers() {
    }

    static Response answer(int status, String message) {
        Response.StatusType type = Response.Status.fromStatusCode(status);
        return Response.status(status).type(MediaType.APPLICATION_JSON_TYPE)
                .entity(new ApiError(status, type != null ? type.getReasonPhrase() : "Error", message)).build();
    }

    public static class Problems implements ExceptionMapper<DashboardProblem> {
        @Override
        public Response toResponse(DashboardProblem problem) {
            Response answer = answer(problem.status(), problem.getMessage());
            Response.ResponseBuilder copy = Response.fromResponse(answer);
            problem.headers().forEach(copy::header);
            return copy.build();
        }
    }

    /** The runtime's own refusals: unknown path (404), wrong method (405), unacceptable type (406)... */
    public static class RestErrors implements ExceptionMapper<WebApplicationException> {
        @Override
        public Response toResponse(WebApplicationException e) {
            int status = e.getResponse() != null ? e.getResponse().getStatus() : 500;
            Response.StatusType type = Response.Status.fromStatusCode(status);
            return answer(status, type != null ? type.getReasonPhrase() : "request refused");
        }
    }

    /** A bug or an outage: logged once here with an id, answered without the stack trace. */
    public static class Unexpected implements ExceptionMapper<Throwable> {

        private static final Logger LOG = Logger.getLogger(Unexpected.class.getName());

        @Override
        public Response toResponse(Throwable error) {
            String id = UUID.randomUUID().toString();
            LOG.log(Level.SEVERE, "Apiary dashboard request failed, error id " + id, error);
            return answer(500, "internal error, id " + id + " (see the server log)");
        }
    }
}
