package dev.apiary.examples.war.mail;

import dev.apiary.Job;
import dev.apiary.JobHandler;
import dev.apiary.Outcome;
import dev.apiary.cdi.JobWorker;
import dev.apiary.cdi.Retry;
import dev.apiary.cdi.Traced;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.inject.Inject;
import jakarta.transaction.Transactional;
import org.eclipse.microprofile.config.inject.ConfigProperty;

import java.util.concurrent.ThreadLocalRandom;
import java.util.logging.Logger;

/**
 * Sends e-mails: records each in the {@code example_sent_mail} table, then hands it to a mail server that refuses a
 * configurable share of attempts ({@code example.mail.failure-share}) with a temporary error. The attempt runs in a
 * transaction ({@code @Transactional} sits inside {@code @Retry}), so a refused attempt leaves no row and is retried
 * with backoff: the table ends with one row per e-mail sent.
 */
@JobWorker(name = "mail-sender", concurrency = 4, instances = 2)
@Traced
@Retry(initialDelay = "PT1S", maxDelay = "PT30S")
@ApplicationScoped
public class MailSender implements JobHandler<Email> {

    private static final Logger LOG = Logger.getLogger(MailSender.class.getName());

    @Inject
    MailBox mailBox;

    @Inject
    @ConfigProperty(name = "example.mail.failure-share", defaultValue = "0.3")
    double failureShare;

    @Override
    @Transactional
    public Outcome handle(Job<Email> job) {
        Email email = job.payload();
        int attempt = job.context().attempt();
        mailBox.record(job.id(), email, attempt);
        if (ThreadLocalRandom.current().nextDouble() < failureShare) {
            LOG.info(() -> "mail " + job.id() + " to " + email.to() + ": attempt " + attempt + "/"
                    + job.context().maxAttempts() + " refused (451), rolled back, will be retried");
            throw new MailServerBusy("451 4.3.0 mail server busy, try again later (to " + email.to() + ")");
        }
        LOG.info(() -> "mail " + job.id() + " to " + email.to() + " sent on attempt " + attempt);
        return Outcome.done("sent to " + email.to());
    }

    /** A mail server's temporary refusal: worth another attempt. Unchecked, so the transaction rolls back. */
    public static final class MailServerBusy extends RuntimeException {
        public MailServerBusy(String message) {
            super(message);
        }
    }
}
