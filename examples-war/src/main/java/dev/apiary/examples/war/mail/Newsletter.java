package dev.apiary.examples.war.mail;

import dev.apiary.JobOptions;
import dev.apiary.JobQueue;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.inject.Inject;
import jakarta.annotation.Resource;
import jakarta.transaction.TransactionSynchronizationRegistry;
import jakarta.transaction.Transactional;

import java.util.List;

/**
 * Sends a newsletter: one e-mail job per recipient, all enqueued in one transaction (all of them or none), each with
 * {@value #ATTEMPTS} attempts. A dry run enqueues the same way and then rolls the transaction back: it returns the
 * ids the jobs would have had, and no job exists afterwards (the jobs share the caller's JTA transaction).
 */
@ApplicationScoped
public class Newsletter {

    static final int ATTEMPTS = 5;

    @Inject
    JobQueue<Email> emails;

    @Resource
    TransactionSynchronizationRegistry transactions;

    @Transactional
    public List<String> send(String subject, String body, List<String> recipients) {
        return emails.pushAll(recipients.stream().map(to -> new Email(to, subject, body)).toList(),
                JobOptions.defaults().withMaxAttempts(ATTEMPTS));
    }

    @Transactional
    public List<String> dryRun(String subject, String body, List<String> recipients) {
        List<String> ids = send(subject, body, recipients);
        transactions.setRollbackOnly();
        return ids;
    }
}
