package dev.apiary.examples.war.rest;

import dev.apiary.JobOptions;
import dev.apiary.JobStatus;
import dev.apiary.examples.war.ExampleQueue;
import dev.apiary.examples.war.ExampleQueues;
import dev.apiary.spi.JobPage;
import dev.apiary.spi.JobQuery;
import dev.apiary.spi.JobStorage;
import dev.apiary.spi.StoredJob;
import jakarta.enterprise.context.RequestScoped;
import jakarta.inject.Inject;
import jakarta.json.bind.Jsonb;
import jakarta.json.bind.JsonbException;
import jakarta.ws.rs.GET;
import jakarta.ws.rs.POST;
import jakarta.ws.rs.Path;
import jakarta.ws.rs.PathParam;
import jakarta.ws.rs.Produces;
import jakarta.ws.rs.QueryParam;
import jakarta.ws.rs.core.Context;
import jakarta.ws.rs.core.MediaType;
import jakarta.ws.rs.core.Response;
import jakarta.ws.rs.core.UriInfo;

import java.time.Duration;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * Enqueue into a queue, list its jobs by status with paging, show one job, retry or kill it.
 * Numbers in query parameters are parsed here so that a malformed one is a 400 with a message (a JAX-RS
 * conversion failure of a query parameter would be a bare 404).
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

    /** Each queue with what it does and how many jobs it holds in each status. */
    public record QueueView(String name, String description, String payloadType, Map<JobStatus, Long> counts) {
    }

    /** The answer to an enqueue. */
    public record Enqueued(String id, String queue, JobStatus status, java.time.Instant runAt, String href) {
    }

    /** A page of jobs. */
    public record Page(List<JobView> items, long total, int offset, int limit) {
    }

    @GET
    public List<QueueView> queues() {
        return queues.all().stream()
                .map(q -> new QueueView(q.name(), q.description(), q.payloadType().getSimpleName(),
                        q.storage().counts()))
                .toList();
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
        var location = uri.getAbsolutePathBuilder().path(id).build();
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

    @GET
    @Path("{queue}/jobs")
    public Page list(@PathParam("queue") String name, @QueryParam("status") String status,
                     @QueryParam("offset") String offset, @QueryParam("limit") String limit) {
        JobStorage<?> storage = queue(name).storage();
        JobQuery query = JobQuery.of(status(status), (int) number("offset", offset, 0, 0, Integer.MAX_VALUE),
                (int) number("limit", limit, DEFAULT_PAGE, 1, MAX_PAGE));
        JobPage<?> page = storage.list(query);
        return new Page(page.items().stream().map(JobView::summary).toList(), page.total(), page.offset(),
                page.limit());
    }

    @GET
    @Path("{queue}/jobs/{id}")
    public JobView job(@PathParam("queue") String name, @PathParam("id") String id) {
        return JobView.detail(find(queue(name), id));
    }

    @POST
    @Path("{queue}/jobs/{id}/retry")
    public JobView retry(@PathParam("queue") String name, @PathParam("id") String id) {
        ExampleQueue<?> queue = queue(name);
        StoredJob<?> job = find(queue, id);
        if (!queue.storage().requeue(id)) {
            throw ApiProblem.conflict("job " + id + " is " + job.status() + "; only a pending, failed or killed job"
                    + " can be retried");
        }
        return JobView.detail(find(queue, id));
    }

    @POST
    @Path("{queue}/jobs/{id}/kill")
    public JobView kill(@PathParam("queue") String name, @PathParam("id") String id,
                        @QueryParam("reason") String reason) {
        ExampleQueue<?> queue = queue(name);
        StoredJob<?> job = find(queue, id);
        if (!queue.storage().kill(id, reason == null || reason.isBlank() ? "killed over the REST API" : reason)) {
            throw ApiProblem.conflict("job " + id + " is " + job.status() + "; only a pending or running job can be"
                    + " killed");
        }
        return JobView.detail(find(queue, id));
    }

    private ExampleQueue<?> queue(String name) {
        return queues.find(name).orElseThrow(() -> ApiProblem.notFound("no queue '" + name + "'; queues are "
                + queues.all().stream().map(ExampleQueue::name).toList()));
    }

    private static StoredJob<?> find(ExampleQueue<?> queue, String id) {
        return queue.storage().find(id).orElseThrow(() -> ApiProblem.notFound("no job '" + id + "' in queue '"
                + queue.name() + "'"));
    }

    private static JobStatus status(String text) {
        if (text == null || text.isBlank()) {
            return null;
        }
        try {
            return JobStatus.valueOf(text.trim().toUpperCase(Locale.ROOT));
        } catch (IllegalArgumentException e) {
            throw ApiProblem.badRequest("unknown status '" + text + "'; one of "
                    + Arrays.toString(JobStatus.values()));
        }
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
