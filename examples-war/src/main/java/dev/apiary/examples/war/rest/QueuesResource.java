package dev.apiary.examples.war.rest;

import dev.apiary.JobOptions;
import dev.apiary.JobStatus;
import dev.apiary.examples.war.ExampleQueue;
import dev.apiary.examples.war.ExampleQueues;
import dev.apiary.spi.StoredJob;
import jakarta.enterprise.context.RequestScoped;
import jakarta.inject.Inject;
import jakarta.json.bind.Jsonb;
import jakarta.json.bind.JsonbException;
import jakarta.ws.rs.POST;
import jakarta.ws.rs.Path;
import jakarta.ws.rs.PathParam;
import jakarta.ws.rs.Produces;
import jakarta.ws.rs.QueryParam;
import jakarta.ws.rs.core.Context;
import jakarta.ws.rs.core.MediaType;
import jakarta.ws.rs.core.Response;
import jakarta.ws.rs.core.UriInfo;

import java.net.URI;
import java.time.Duration;
import java.time.Instant;

/**
 * Enqueue into one of the example's queues. Listing, reading and acting on jobs, workers and schedules is the
 * dashboard's API ({@code /apiary/api}, for its users): the answer's {@code href} points there. Numbers in query
 * parameters are parsed here so that a malformed one is a 400 with a message (a JAX-RS conversion failure of a query
 * parameter would be a bare 404).
 */
@Path("queues")
@Produces(MediaType.APPLICATION_JSON)
@RequestScoped
public class QueuesResource {

    static final int DEFAULT_PAGE = 20;
    static final int MAX_PAGE = 200;

    @Inject
    ExampleQueues queues;

    @Inject
    Jsonb jsonb;

    @Context
    UriInfo uri;

    /** The answer to an enqueue; {@code href} is the job in the dashboard's API. */
    public record Enqueued(String id, String queue, JobStatus status, Instant runAt, String href) {
    }

    @POST
    @Path("{queue}/jobs")
    public Response enqueue(@PathParam("queue") String name, String body,
                            @QueryParam("delaySeconds") String delaySeconds,
                            @QueryParam("priority") String priority,
                            @QueryParam("maxAttempts") String maxAttempts) {
        ExampleQueue<?> queue = queue(name);
        JobOptions options = JobOptions.defaults();
        long delay = number("delaySeconds", delaySeconds, 0, 0, 366L * 24 * 3600);
        if (delay > 0) {
            options = options.withDelay(Duration.ofSeconds(delay));
        }
        options = options.withPriority((int) number("priority", priority, 0, -1000, 1000));
        options = options.withMaxAttempts((int) number("maxAttempts", maxAttempts, JobOptions.DEFAULT_MAX_ATTEMPTS,
                1, 100));
        String id = push(queue, body, options);
        StoredJob<?> job = queue.storage().find(id).orElseThrow();
        // this application is under <context>/api/, the dashboard's API under <context>/apiary/api/
        URI location = uri.getBaseUri().resolve("../apiary/api/queues/" + queue.name() + "/jobs/" + id);
        return Response.created(location)
                .entity(new Enqueued(id, queue.name(), job.status(), job.runAt(), location.toString()))
                .build();
    }

    private <T> String push(ExampleQueue<T> queue, String body, JobOptions options) {
        if (body == null || body.isBlank()) {
            throw ApiProblem.badRequest("the body must be a JSON " + queue.payloadType().getSimpleName()
                    + ", it was empty");
        }
        T payload;
        try {
            payload = jsonb.fromJson(body, queue.payloadType());
        } catch (JsonbException | ClassCastException e) {
            throw ApiProblem.badRequest("the body is not a JSON " + queue.payloadType().getSimpleName() + ": "
                    + firstLine(e.getMessage()));
        }
        String problem = queue.problemWith(payload);
        if (problem != null) {
            throw ApiProblem.badRequest(problem);
        }
        return queue.storage().push(payload, options);
    }

    private ExampleQueue<?> queue(String name) {
        return queues.find(name).orElseThrow(() -> ApiProblem.notFound("no queue '" + name + "'; queues are "
                + queues.all().stream().map(ExampleQueue::name).toList()));
    }

    static long number(String name, String text, long otherwise, long min, long max) {
        if (text == null || text.isBlank()) {
            return otherwise;
        }
        long value;
        try {
            value = Long.parseLong(text.trim());
        } catch (NumberFormatException e) {
            throw ApiProblem.badRequest("'" + name + "' must be a whole number, was '" + text + "'");
        }
        if (value < min || value > max) {
            throw ApiProblem.badRequest("'" + name + "' must be between " + min + " and " + max + ", was " + value);
        }
        return value;
    }

    private static String firstLine(String text) {
        return text == null ? "unreadable" : text.lines().findFirst().orElse(text);
    }
}
