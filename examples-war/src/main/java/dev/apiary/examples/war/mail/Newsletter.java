package dev.apiary.examples.war.mail;

import dev.apiary.JobOptions;
import dev.apiary.JobQueue;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.inject.Inject;
import jakarta.transaction.Transactional;

import java.util.List;

/**
 * Sends a newsletter: one e-mail job per recipient, all enqueued in one transaction (all of them or none), each with
 * {@value #ATTEMPTS} attempts.
 */
@ApplicationScoped
public class Newsletter {

    static final int ATTEMPTS = 5;

    @Inject
    JobQueue<Email> emails;

    @Transactional
    public List<String> send(String subject, String body, List<String> recipients) {
        return emails.pushAll(recipients.stream().map(to -> new Email(to, subject, body)).toList(),
                JobOptions.defaults().withMaxAttempts(ATTEMPTS));
    }
}
