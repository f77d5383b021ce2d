package dev.apiary.dashboard;

import dev.apiary.JobStatus;
import dev.apiary.spi.JobPage;
import dev.apiary.spi.JobQuery;
import dev.apiary.spi.JobStorage;
import dev.apiary.spi.StoredJob;
import dev.apiary.spi.Throughput;
import jakarta.annotation.security.RolesAllowed;
import jakarta.enterprise.context.RequestScoped;
import jakarta.inject.Inject;
import jakarta.ws.rs.DELETE;
import jakarta.ws.rs.GET;
import jakarta.ws.rs.POST;
import jakarta.ws.rs.Path;
import jakarta.ws.rs.PathParam;
import jakarta.ws.rs.Produces;
import jakarta.ws.rs.QueryParam;
import jakarta.ws.rs.core.Context;
import jakarta.ws.rs.core.MediaType;
import jakarta.ws.rs.core.SecurityContext;

import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;

/**
 * Queues and their jobs: counts, throughput, pages by status, search, a job's detail, the actions (retry, kill,
 * delete) on one job or on every job of a status, cancel on one job, and pausing or resuming a queue. Reading needs
 * the viewer role, acting the admin role.
 */
@Path("queues")
@Produces(MediaType.APPLICATION_JSON)
@RequestScoped
@DashboardResource
public class QueuesApi {

    private static final String VIEWER = DashboardSettings.DEFAULT_VIEWER_ROLE;
    private static final String ADMIN = DashboardSettings.DEFAULT_ADMIN_ROLE;
    private static final int DEFAULT_PAGE = 20;

    @Inject
    Queues queues;

    @Inject
    DashboardSettings settings;

    @Inject
    AuditTrail audit;

    @Context
    SecurityContext security;

    /**
     * A queue with the payload type it holds, its number of jobs in each status, and whether it is paused (no node
     * claims from it).
     */
    public record QueueView(String name, String payloadType, Map<JobStatus, Long> counts, boolean paused) {

        static QueueView of(String name, JobStorage<?> storage) {
            return new QueueView(name, storage.payloadType().getSimpleName(), storage.counts(), storage.isPaused());
        }
    }

    /**
     * A page of jobs, as {@linkplain JobView#summary summaries} (no payloads, texts cut); {@code total} counts every
     * job that matches.
     */
    public record Page(List<JobView> items, long total, int offset, int limit) {
    }

    /** What an action on every job of a status did. */
    public record BulkResult(String queue, JobStatus status, String action, int jobs) {
    }

    @GET
    @RolesAllowed({VIEWER, ADMIN})
    public List<QueueView> queues() {
        List<QueueView> views = new ArrayList<>();
        queues.all().forEach((name, storage) -> views.add(QueueView.of(name, storage)));
        return views;
    }

    /** Jobs that ended per minute over the last {@code minutes} (default 60), summed over every queue. */
    @GET
    @Path("throughput")
    @RolesAllowed({VIEWER, ADMIN})
    public List<Throughput> throughput(@QueryParam("minutes") String minutes) {
        Instant since = Instant.now().minus(Duration.ofMinutes(Params.number("minutes", minutes, 60, 1, 1440)));
        TreeMap<Instant, long[]> sum = new TreeMap<>();
        for (JobStorage<?> storage : queues.all().values()) {
            for (Throughput t : storage.throughput(since)) {
                long[] c = sum.computeIfAbsent(t.minute(), m -> new long[3]);
                c[0] += t.done();
                c[1] += t.failed();
                c[2] += t.killed();
            }
        }
        List<Throughput> result = new ArrayList<>();
        sum.forEach((minute, c) -> result.add(new Throughput(minute, c[0], c[1], c[2])));
        return result;
    }

    /**
     * A page of a queue's jobs, newest first, optionally of one status; or, with {@code search}, the jobs found by
     * id, by unique key, or by a metadata value written {@code key=value}.
     */
    @GET
    @Path("{queue}/jobs")
    @RolesAllowed({VIEWER, ADMIN})
    public Page jobs(@PathParam("queue") String name, @QueryParam("status") String status,
                     @QueryParam("offset") String offset, @QueryParam("limit") String limit,
                     @QueryParam("search") String search) {
        JobStorage<?> storage = queues.require(name);
        int size = (int) Params.number("limit", limit, DEFAULT_PAGE, 1, DashboardSettings.MAX_PAGE);
        int from = (int) Params.number("offset", offset, 0, 0, 10_000_000);
        JobStatus filter = Params.status(status, false);
        boolean payloads = Access.seesPayloads(settings, security);
        if (search != null && !search.isBlank()) {
            List<JobView> found = search(storage, search.trim(), size).stream()
                    .filter(job -> filter == null || job.status() == filter)
                    .map(job -> JobView.summary(job, payloads)).toList();
            return new Page(found, found.size(), 0, size);
        }
        JobPage<?> page = storage.list(JobQuery.of(filter, from, size));
        return new Page(page.items().stream().map(job -> JobView.summary(job, payloads)).toList(), page.total(),
                page.offset(), page.limit());
    }

    private static List<? extends StoredJob<?>> search(JobStorage<?> storage, String text, int limit) {
        if (text.length() > 500) {
            throw DashboardProblem.badRequest("'search' must be at most 500 characters");
        }
        Optional<? extends StoredJob<?>> byId = storage.find(text);
        if (byId.isPresent()) {
            return List.of(byId.get());
        }
        Optional<? extends StoredJob<?>> byKey = storage.findByUniqueKey(text);
        if (byKey.isPresent()) {
            return List.of(byKey.get());
        }
        int eq = text.indexOf('=');
        if (eq > 0) {
            return storage.findByMetadata(text.substring(0, eq).trim(), text.substring(eq + 1).trim(), limit);
        }
        return List.of();
    }

    /**
     * Pauses the queue on every node: no node claims from it from now on, running jobs finish. Stored, so it
     * outlives restarts until resumed.
     */
    @POST
    @Path("{queue}/pause")
    @RolesAllowed(ADMIN)
    public QueueView pause(@PathParam("queue") String name) {
        JobStorage<?> storage = queues.require(name);
        boolean was = storage.isPaused();
        pausing(storage::pause);
        audited("pause", "queue " + name, !was);
        return QueueView.of(name, storage);
    }

    /** Resumes a paused queue: every node claims from it again at once. */
    @POST
    @Path("{queue}/resume")
    @RolesAllowed(ADMIN)
    public QueueView resume(@PathParam("queue") String name) {
        JobStorage<?> storage = queues.require(name);
        boolean was = storage.isPaused();
        pausing(storage::resume);
        audited("resume", "queue " + name, was);
        return QueueView.of(name, storage);
    }

    @GET
    @Path("{queue}/jobs/{id}")
    @RolesAllowed({VIEWER, ADMIN})
    public JobView job(@PathParam("queue") String name, @PathParam("id") String id) {
        return detail(queues.require(name), id);
    }

    @POST
    @Path("{queue}/jobs/{id}/retry")
    @RolesAllowed(ADMIN)
    public JobView retry(@PathParam("queue") String name, @PathParam("id") String id) {
        JobStorage<?> storage = queues.require(name);
        StoredJob<?> job = find(storage, id);
        if (!audited("retry", one(name, id), storage.requeue(id))) {
            throw DashboardProblem.conflict("job " + id + " is " + job.status() + "; only a pending, failed, "
                    + "killed or cancelled job can be retried");
        }
        return detail(storage, id);
    }

    @POST
    @Path("{queue}/jobs/{id}/kill")
    @RolesAllowed(ADMIN)
    public JobView kill(@PathParam("queue") String name, @PathParam("id") String id,
                        @QueryParam("reason") String reason) {
        JobStorage<?> storage = queues.require(name);
        StoredJob<?> job = find(storage, id);
        if (!audited("kill", one(name, id), storage.kill(id, reason(reason)))) {
            throw DashboardProblem.conflict("job " + id + " is " + job.status() + "; only a pending or running job "
                    + "can be killed");
        }
        return detail(storage, id);
    }

    /**
     * Cancels a pending or running job: it ends cancelled with the caller and {@code reason} recorded, and the node
     * running it interrupts its handler.
     */
    @POST
    @Path("{queue}/jobs/{id}/cancel")
    @RolesAllowed(ADMIN)
    public JobView cancel(@PathParam("queue") String name, @PathParam("id") String id,
                          @QueryParam("reason") String reason) {
        JobStorage<?> storage = queues.require(name);
        StoredJob<?> job = find(storage, id);
        String why = reason(reason, "cancelled from the Apiary dashboard");
        if (!audited("cancel", one(name, id), storage.cancel(id, Access.user(security), why))) {
            throw DashboardProblem.conflict("job " + id + " is " + storage.find(id).map(StoredJob::status)
                    .orElse(job.status()) + "; only a pending or running job can be cancelled");
        }
        return detail(storage, id);
    }

    @DELETE
    @Path("{queue}/jobs/{id}")
    @RolesAllowed(ADMIN)
    public JobView delete(@PathParam("queue") String name, @PathParam("id") String id) {
        JobStorage<?> storage = queues.require(name);
        StoredJob<?> job = find(storage, id);
        if (!audited("delete", one(name, id), storage.delete(id))) {
            throw DashboardProblem.conflict("job " + id + " is " + job.status() + "; a running job cannot be "
                    + "deleted, kill it first");
        }
        return JobView.detail(job, Access.seesPayloads(settings, security));
    }

    @POST
    @Path("{queue}/jobs/retry")
    @RolesAllowed(ADMIN)
    public BulkResult retryAll(@PathParam("queue") String name, @QueryParam("status") String status) {
        JobStorage<?> storage = queues.require(name);
        JobStatus from = Params.status(status, true);
        if (from == JobStatus.RUNNING || from == JobStatus.DONE) {
            throw DashboardProblem.badRequest("only pending, failed, killed or cancelled jobs can be retried, not "
                    + from);
        }
        return audited(new BulkResult(name, from, "retry", storage.requeueAll(from)));
    }

    @POST
    @Path("{queue}/jobs/kill")
    @RolesAllowed(ADMIN)
    public BulkResult killAll(@PathParam("queue") String name, @QueryParam("status") String status,
                              @QueryParam("reason") String reason) {
        JobStorage<?> storage = queues.require(name);
        JobStatus from = Params.status(status, true);
        if (from.isFinal()) {
            throw DashboardProblem.badRequest("only pending or running jobs can be killed, not " + from);
        }
        return audited(new BulkResult(name, from, "kill", storage.killAll(from, reason(reason))));
    }

    @DELETE
    @Path("{queue}/jobs")
    @RolesAllowed(ADMIN)
    public BulkResult deleteAll(@PathParam("queue") String name, @QueryParam("status") String status) {
        JobStorage<?> storage = queues.require(name);
        JobStatus from = Params.status(status, true);
        if (from == JobStatus.RUNNING) {
            throw DashboardProblem.badRequest("running jobs cannot be deleted; kill them first");
        }
        return audited(new BulkResult(name, from, "delete", storage.deleteAll(from)));
    }

    /** Pauses or resumes; a storage that cannot is a conflict that says so, not a server error. */
    private static void pausing(Runnable action) {
        try {
            action.run();
        } catch (UnsupportedOperationException e) {
            throw DashboardProblem.conflict(e.getMessage());
        }
    }

    private boolean audited(String action, String target, boolean done) {
        audit.record(Access.user(security), action, target, done ? 1 : 0);
        return done;
    }

    private BulkResult audited(BulkResult result) {
        audit.record(Access.user(security), result.action(), "queue " + result.queue() + ", every "
                + result.status() + " job", result.jobs());
        return result;
    }

    private static String one(String queue, String id) {
        return "queue " + queue + ", job " + id;
    }

    private JobView detail(JobStorage<?> storage, String id) {
        return JobView.detail(find(storage, id), Access.seesPayloads(settings, security));
    }

    private static StoredJob<?> find(JobStorage<?> storage, String id) {
        return storage.find(id).orElseThrow(() -> DashboardProblem.notFound("no job '" + id + "' in queue '"
                + storage.queue() + "'"));
    }

    private static String reason(String reason) {
        return reason(reason, "killed from the Apiary dashboard");
    }

    private static String reason(String reason, String otherwise) {
        if (reason != null && reason.length() > 500) {
            throw DashboardProblem.badRequest("'reason' must be at most 500 characters");
        }
        return reason == null || reason.isBlank() ? otherwise : reason;
    }
}
