package dev.apiary.examples.war.rest;

import dev.apiary.examples.war.mail.Email;
import dev.apiary.examples.war.mail.MailBox;
import dev.apiary.examples.war.mail.Newsletter;
import dev.apiary.examples.war.mail.SentMail;
import jakarta.enterprise.context.RequestScoped;
import jakarta.inject.Inject;
import jakarta.json.bind.Jsonb;
import jakarta.json.bind.JsonbException;
import jakarta.ws.rs.GET;
import jakarta.ws.rs.POST;
import jakarta.ws.rs.Path;
import jakarta.ws.rs.Produces;
import jakarta.ws.rs.QueryParam;
import jakarta.ws.rs.core.MediaType;
import jakarta.ws.rs.core.Response;

import java.time.Instant;
import java.util.List;

/** The table the mail worker writes to (what was "sent"), and a newsletter that enqueues many e-mails at once. */
@Path("mails")
@Produces(MediaType.APPLICATION_JSON)
@RequestScoped
public class MailsResource {

    @Inject
    MailBox mailBox;

    @Inject
    Newsletter newsletter;

    @Inject
    Jsonb jsonb;

    /** A newsletter to send: one e-mail per recipient. */
    public record NewsletterRequest(String subject, String body, List<String> recipients) {
    }

    public record Mail(String jobId, String to, String subject, int attempt, Instant sentAt) {
        static Mail of(SentMail m) {
            return new Mail(m.getJobId(), m.getRecipient(), m.getSubject(), m.getAttempt(), m.getSentAt());
        }
    }

    public record Mails(long total, List<Mail> latest) {
    }

    @GET
    public Mails mails(@QueryParam("limit") String limit) {
        int size = (int) QueuesResource.number("limit", limit, QueuesResource.DEFAULT_PAGE, 1,
                QueuesResource.MAX_PAGE);
        return new Mails(mailBox.count(), mailBox.latest(0, size).stream().map(Mail::of).toList());
    }

    /**
     * Enqueues one e-mail per recipient in one transaction; with {@code dryRun=true} the transaction is rolled back
     * after the push, and the answer lists the ids that no longer exist.
     */
    @POST
    @Path("newsletter")
    public Response newsletter(String body, @QueryParam("dryRun") boolean dryRun) {
        NewsletterRequest request;
        try {
            request = body == null || body.isBlank() ? null : jsonb.fromJson(body, NewsletterRequest.class);
        } catch (JsonbException e) {
            throw ApiProblem.badRequest("the body is not a JSON newsletter {subject, body, recipients}");
        }
        if (request == null || request.recipients() == null || request.recipients().isEmpty()) {
            throw ApiProblem.badRequest("'recipients' must list at least one e-mail address");
        }
        if (request.recipients().size() > 1000) {
            throw ApiProblem.badRequest("at most 1000 recipients, were " + request.recipients().size());
        }
        for (String to : request.recipients()) {
            String problem = Email.problem(new Email(to, request.subject(), request.body()));
            if (problem != null) {
                throw ApiProblem.badRequest(problem);
            }
        }
        if (dryRun) {
            return Response.ok(newsletter.dryRun(request.subject(), request.body(), request.recipients())).build();
        }
        return Response.status(Response.Status.CREATED)
                .entity(newsletter.send(request.subject(), request.body(), request.recipients())).build();
    }
}
