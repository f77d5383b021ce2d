package dev.apiary.examples.war.rest;

import dev.apiary.examples.war.mail.MailBox;
import dev.apiary.examples.war.mail.SentMail;
import jakarta.enterprise.context.RequestScoped;
import jakarta.inject.Inject;
import jakarta.ws.rs.GET;
import jakarta.ws.rs.Path;
import jakarta.ws.rs.Produces;
import jakarta.ws.rs.QueryParam;
import jakarta.ws.rs.core.MediaType;

import java.time.Instant;
import java.util.List;

/** The table the mail worker writes to: what was "sent". */
@Path("mails")
@Produces(MediaType.APPLICATION_JSON)
@RequestScoped
public class MailsResource {

    @Inject
    MailBox mailBox;

    public record Mail(String jobId, String to, String subject, int attempt, Instant sentAt) {
        static Mail of(SentMail m) {
            return new Mail(m.getJobId(), m.getRecipient(), m.getSubject(), m.getAttempt(), m.getSentAt());
        }
    }

    public record Mails(long total, List<Mail> latest) {
    }

    @GET
    public Mails mails(@QueryParam("limit") String limit) {
        int size = (int) QueuesResource.number("limit", limit, QueuesResource.DEFAULT_PAGE, 1, QueuesResource.MAX_PAGE);
        return new Mails(mailBox.count(), mailBox.latest(0, size).stream().map(Mail::of).toList());
    }
}
