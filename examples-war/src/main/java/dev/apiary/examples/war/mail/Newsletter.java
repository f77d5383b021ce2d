package dev.apiary.examples.war.mail;

import dev.apiary.JobOptions;
import dev.apiary.JobQueue;
import dev.apiary.cdi.Queue;
import dev.apiary.examples.war.ExampleQueues;
import dev.apiary.examples.war.reminder.Reminder;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.inject.Inject;
import jakarta.annotation.Resource;
import jakarta.transaction.TransactionSynchronizationRegistry;
import jakarta.transaction.Transactional;

import java.time.Duration;
import java.util.List;

/**
 * Sends a newsletter: one e-mail job per recipient and a reminder to its editor to read the bounces a day later, all
 * enqueued in one transaction (all of them or none), each e-mail with {@value #ATTEMPTS} attempts. The e-mails and
 * the reminder are in two storages on two persistence units (the example's, and Apiary's default storage on the data
 * source {@code apiary.storage.data-source} names): both join the caller's JTA transaction. A dry run enqueues the
 * same way and then rolls the transaction back: it returns the ids the jobs would have had, and no job exists
 * afterwards.
 */
@ApplicationScoped
public class Newsletter {

    static final int ATTEMPTS = 5;
    static final Duration BOUNCES_AFTER = Duration.ofDays(1);

    @Inject
    JobQueue<Email> emails;

    @Inject
    @Queue(ExampleQueues.REMINDER)
    JobQueue<Reminder> reminders;

    @Resource
    TransactionSynchronizationRegistry transactions;

    /** The ids of a newsletter's jobs: one e-mail per recipient, and the editor's reminder. */
    public record Sent(List<String> ids, String reminder) {
    }

    @Transactional
    public Sent send(String subject, String body, List<String> recipients) {
        List<String> ids = emails.pushAll(recipients.stream().map(to -> new Email(to, subject, body)).toList(),
                JobOptions.defaults().withMaxAttempts(ATTEMPTS));
        String reminder = reminders.push(new Reminder("editor", "read the bounces of the newsletter '" + subject + "'"),
                JobOptions.defaults().withDelay(BOUNCES_AFTER));
        return new Sent(ids, reminder);
    }

    @Transactional
    public Sent dryRun(String subject, String body, List<String> recipients) {
        Sent sent = send(subject, body, recipients);
        transactions.setRollbackOnly();
        return sent;
    }
}
