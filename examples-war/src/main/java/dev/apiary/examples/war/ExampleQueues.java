package dev.apiary.examples.war;

import dev.apiary.examples.war.ledger.LedgerEntry;
import dev.apiary.examples.war.mail.Email;
import dev.apiary.examples.war.reminder.Reminder;
import dev.apiary.examples.war.render.RenderRequest;
import dev.apiary.examples.war.report.ReportRequest;
import dev.apiary.cdi.Queue;
import dev.apiary.spi.JobStorage;
import jakarta.annotation.PostConstruct;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.inject.Inject;

import java.util.Collection;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Optional;

/** The example's queues, by name: what the REST resource enqueues into and the workers claim from. */
@ApplicationScoped
public class ExampleQueues {

    public static final String EMAIL = "email";
    public static final String REPORT = "report";
    public static final String REMINDER = "reminder";
    public static final String LEDGER = "ledger-sync";
    public static final String RENDER = "render";
    /** The callback of a batch of reports; not enqueued directly. */
    public static final String REPORT_DIGEST = "report-digest";

    private final Map<String, ExampleQueue<?>> queues = new LinkedHashMap<>();

    @Inject
    JobStorage<Email> emails;

    @Inject
    JobStorage<ReportRequest> reports;

    @Inject
    @Queue(REMINDER)
    JobStorage<Reminder> reminders;  // Apiary's default storage (ReminderSender names its queue)

    @Inject
    JobStorage<LedgerEntry> ledgerEntries;

    @Inject
    JobStorage<RenderRequest> renderRequests;

    @PostConstruct
    void create() {
        add(new ExampleQueue<>(EMAIL, "sends an e-mail; a configurable share of attempts fail and are retried",
                Email.class, emails, Email::problem));
        add(new ExampleQueue<>(REPORT, "builds a report; takes a few seconds",
                ReportRequest.class, reports, ReportRequest::problem));
        add(new ExampleQueue<>(REMINDER, "sends a reminder; meant to be scheduled for later (delaySeconds)",
                Reminder.class, reminders, Reminder::problem));
        add(new ExampleQueue<>(LEDGER, "syncs with a ledger that is always down: retried, then killed",
                LedgerEntry.class, ledgerEntries, LedgerEntry::problem));
        add(new ExampleQueue<>(RENDER, "renders a page within a 4 s timeout, using a java:comp resource",
                RenderRequest.class, renderRequests, RenderRequest::problem));
    }

    private void add(ExampleQueue<?> queue) {
        queues.put(queue.name(), queue);
    }

    public Optional<ExampleQueue<?>> find(String name) {
        return Optional.ofNullable(queues.get(name));
    }

    public Collection<ExampleQueue<?>> all() {
        return queues.values();
    }
}
