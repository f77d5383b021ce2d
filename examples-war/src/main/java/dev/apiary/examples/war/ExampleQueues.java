package dev.apiary.examples.war;

import dev.apiary.examples.war.ledger.LedgerEntry;
import dev.apiary.examples.war.mail.Email;
import dev.apiary.examples.war.reminder.Reminder;
import dev.apiary.examples.war.report.ReportRequest;
import dev.apiary.spi.InMemory;
import dev.apiary.spi.JobStorage;
import jakarta.annotation.PostConstruct;
import jakarta.enterprise.context.ApplicationScoped;

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

    private final Map<String, ExampleQueue<?>> queues = new LinkedHashMap<>();

    @PostConstruct
    void create() {
        add(new ExampleQueue<>(EMAIL, "sends an e-mail; a configurable share of attempts fail and are retried",
                Email.class, InMemory.storage(EMAIL, Email.class), Email::problem));
        add(new ExampleQueue<>(REPORT, "builds a report; takes a few seconds",
                ReportRequest.class, InMemory.storage(REPORT, ReportRequest.class), ReportRequest::problem));
        add(new ExampleQueue<>(REMINDER, "sends a reminder; meant to be scheduled for later (delaySeconds)",
                Reminder.class, InMemory.storage(REMINDER, Reminder.class), Reminder::problem));
        add(new ExampleQueue<>(LEDGER, "syncs with a ledger that is always down: retried, then killed",
                LedgerEntry.class, InMemory.storage(LEDGER, LedgerEntry.class), LedgerEntry::problem));
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

    @SuppressWarnings("unchecked")
    public <T> JobStorage<T> storage(String name, Class<T> type) {
        ExampleQueue<?> queue = queues.get(name);
        if (queue == null || queue.payloadType() != type) {
            throw new IllegalArgumentException("no queue '" + name + "' of " + type.getName());
        }
        return (JobStorage<T>) queue.storage();
    }
}
