package dev.apiary.dashboard;

import jakarta.enterprise.context.ApplicationScoped;
import jakarta.inject.Inject;
import org.eclipse.microprofile.config.inject.ConfigProperty;

import java.time.Clock;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.List;
import java.util.logging.Logger;

/**
 * Who did which admin action, when, on what, and how many jobs it changed. Every entry goes to the server log
 * (logger {@code dev.apiary.dashboard.audit}, INFO), the durable record an operator ships and keeps; the latest
 * {@code apiary.dashboard.audit-size} entries stay in memory on the node that served the action, for the dashboard's
 * Audit page. Kept in memory rather than in the job storage: actions are rare, a table would be a schema change in
 * every storage, and the log already outlives the node.
 */
@ApplicationScoped
public class AuditTrail {

    static final Logger LOG = Logger.getLogger("dev.apiary.dashboard.audit");
    static final String DEFAULT_SIZE = "500";

    private final Deque<AuditEntry> latest = new ArrayDeque<>();
    private int size;
    private Clock clock;

    /** For CDI. */
    protected AuditTrail() {
    }

    @Inject
    AuditTrail(@ConfigProperty(name = "apiary.dashboard.audit-size", defaultValue = DEFAULT_SIZE) int size) {
        this(size, Clock.systemUTC());
    }

    /** A trail of the latest {@code size} entries, its times from {@code clock}. */
    AuditTrail(int size, Clock clock) {
        if (size < 0) {
            throw new IllegalArgumentException("apiary.dashboard.audit-size must be 0 or more, was " + size);
        }
        this.size = size;
        this.clock = clock;
    }

    /** Logs the action and keeps it among the latest; the oldest kept entry goes when the trail is full. */
    AuditEntry record(String user, String action, String target, int jobs) {
        AuditEntry entry = new AuditEntry(clock.instant(), user, action, target, jobs);
        LOG.info(entry::logLine);
        synchronized (latest) {
            latest.addFirst(entry);
            while (latest.size() > size) {
                latest.removeLast();
            }
        }
        return entry;
    }

    /** The latest entries on this node, newest first. */
    List<AuditEntry> latest() {
        synchronized (latest) {
            return new ArrayList<>(latest);
        }
    }
}
