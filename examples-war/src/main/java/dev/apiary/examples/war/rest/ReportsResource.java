package dev.apiary.examples.war.rest;

import dev.apiary.JobOptions;
import dev.apiary.examples.war.ExampleQueues;
import dev.apiary.examples.war.report.ReportRequest;
import dev.apiary.flow.Flows;
import jakarta.enterprise.context.RequestScoped;
import jakarta.inject.Inject;
import jakarta.json.bind.Jsonb;
import jakarta.json.bind.JsonbException;
import jakarta.ws.rs.POST;
import jakarta.ws.rs.Path;
import jakarta.ws.rs.Produces;
import jakarta.ws.rs.core.MediaType;
import jakarta.ws.rs.core.Response;

import java.util.List;

/**
 * A batch of reports: one job of the {@code report} queue per name, and once all have ended one job of
 * {@code report-digest} with which were built ({@link dev.apiary.examples.war.report.ReportDigest}). The dashboard
 * shows the batch and each job's state under {@code #/flow/<id>}.
 */
@Path("reports")
@Produces(MediaType.APPLICATION_JSON)
@RequestScoped
public class ReportsResource {

    static final int MAX_REPORTS = 100;

    @Inject
    Flows flows;

    @Inject
    Jsonb jsonb;

    /** The reports to build, each taking {@code seconds} (or the configured duration). */
    public record BatchRequest(List<String> names, Integer seconds) {
    }

    /** The answer: the batch's id, and where the dashboard's API shows it. */
    public record BatchStarted(String id, int reports, String href) {
    }

    @POST
    @Path("batch")
    public Response batch(String body) {
        BatchRequest request;
        try {
            request = body == null || body.isBlank() ? null : jsonb.fromJson(body, BatchRequest.class);
        } catch (JsonbException e) {
            throw ApiProblem.badRequest("the body is not a JSON batch {names, seconds}");
        }
        if (request == null || request.names() == null || request.names().isEmpty()) {
            throw ApiProblem.badRequest("'names' must list at least one report");
        }
        if (request.names().size() > MAX_REPORTS) {
            throw ApiProblem.badRequest("at most " + MAX_REPORTS + " reports, were " + request.names().size());
        }
        List<ReportRequest> reports = request.names().stream()
                .map(name -> new ReportRequest(name, request.seconds(), null)).toList();
        for (ReportRequest report : reports) {
            String problem = ReportRequest.problem(report);
            if (problem != null) {
                throw ApiProblem.badRequest(problem);
            }
        }
        String id = flows.batch("reports", ExampleQueues.REPORT, reports, JobOptions.defaults(),
                ExampleQueues.REPORT_DIGEST);
        return Response.status(Response.Status.CREATED)
                .entity(new BatchStarted(id, reports.size(), "/apiary/api/flows/" + id)).build();
    }
}
