package dev.apiary.examples.war.mail;

import jakarta.enterprise.context.ApplicationScoped;
import jakarta.persistence.EntityManager;
import jakarta.persistence.PersistenceContext;
import jakarta.transaction.Transactional;

import java.time.Instant;
import java.util.List;

/** The table of sent e-mails. */
@ApplicationScoped
public class MailBox {

    @PersistenceContext(unitName = "example")
    EntityManager em;

    @Transactional
    public void record(String jobId, Email email, int attempt) {
        em.persist(new SentMail(jobId, email.to(), email.subject(), attempt, Instant.now()));
    }

    public long count() {
        return em.createQuery("select count(m) from SentMail m", Long.class).getSingleResult();
    }

    /** The most recent sent mails, newest first. */
    public List<SentMail> latest(int offset, int limit) {
        return em.createQuery("select m from SentMail m order by m.sentAt desc", SentMail.class)
                .setFirstResult(offset).setMaxResults(limit).getResultList();
    }
}
