package dev.apiary.examples.war.mail;

import dev.apiary.Job;
import dev.apiary.JobHandler;
import dev.apiary.Outcome;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.inject.Inject;
import org.eclipse.microprofile.config.inject.ConfigProperty;

import java.util.concurrent.ThreadLocalRandom;
import java.util.logging.Logger;

/**
 * Sends e-mails (it records them in a table). A configurable share of attempts fail as a mail server would,
 * with a temporary error; the retry layer runs them again with backoff.
 */
@ApplicationScoped
public class MailSender implements JobHandler<Email> {

    private static final Logger LOG = Logger.getLogger(MailSender.class.getName());

    @Inject
    MailBox mailBox;

    @Inject
    @ConfigProperty(name = "example.mail.failure-share", defaultValue = "0.3")
    double failureShare;

    @Override
    public Outcome handle(Job<Email> job) throws TemporaryMailFailure {
        Email email = job.payload();
        int attempt = job.context().attempt();
        if (ThreadLocalRandom.current().nextDouble() < failureShare) {
            LOG.info(() -> "mail " + job.id() + " to " + email.to() + ": attempt " + attempt + "/"
                    + job.context().maxAttempts() + " failed (451 temporary failure), will be retried");
            throw new TemporaryMailFailure("451 4.3.0 mail server busy, try again later (to " + email.to() + ")");
        }
        mailBox.record(job.id(), email, attempt);
        LOG.info(() -> "mail " + job.id() + " to " + email.to() + " sent on attempt " + attempt);
        return Outcome.done("sent to " + email.to());
    }

    /** A mail server's temporary refusal: worth another attempt. */
    public static final class TemporaryMailFailure extends Exception {
        public TemporaryMailFailure(String message) {
            super(message);
        }
    }
}
