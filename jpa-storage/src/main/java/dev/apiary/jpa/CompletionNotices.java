package dev.apiary.jpa;

import java.util.concurrent.atomic.AtomicInteger;
import java.util.logging.Level;
import java.util.logging.Logger;

/**
 * Tells every node, after a settle has committed, that jobs of the queue became final ({@code NOTIFY} on
 * {@value JobTable#FINISHED_CHANNEL}), so that waits for them there end. One notifying transaction runs at a time;
 * settles that end meanwhile ask for one more, however many they are.
 *
 * <p>Sent after the settle rather than inside it because PostgreSQL serialises the commits of notifying
 * transactions (a lock held through the commit's disk flush): inside every settle it would take from parallel settle
 * writes the flushes they share. A notice lost to a crash between the two commits leaves the waits on other nodes
 * to their fallback poll.
 */
final class CompletionNotices {

    /** The storage's logger: operators configure one name for the whole storage. */
    private static final Logger LOG = Logger.getLogger(JpaJobStorage.class.getName());
    private static final int IDLE = 0;
    private static final int SENDING = 1;
    private static final int SEND_AGAIN = 2;

    private final String queue;
    private final JobTable table;
    private final StorageTransactions transactions;
    /** {@link #IDLE}, {@link #SENDING}, or {@link #SEND_AGAIN} when a settle ended during a send. */
    private final AtomicInteger state = new AtomicInteger(IDLE);
    /** Whether the last send failed, so that an outage is logged once; written by the sending thread only. */
    private volatile boolean failing;

    CompletionNotices(String queue, JobTable table, StorageTransactions transactions) {
        this.queue = queue;
        this.table = table;
        this.transactions = transactions;
    }

    /** Jobs became final in a committed transaction: sends a notice now, or has the one being sent followed by one. */
    void send() {
        if (!table.notifiesFinished() || state.getAndUpdate(s -> s == IDLE ? SENDING : SEND_AGAIN) != IDLE) {
            return;
        }
        do {
            state.set(SENDING);
            try {
                transactions.run("notify other nodes of finished jobs", transactions.bounded(em -> {
                    table.notifyFinished(em);
                    return null;
                }));
                failing = false;
            } catch (RuntimeException e) {
                LOG.log(failing ? Level.FINE : Level.WARNING, "Could not tell other nodes that jobs of queue '" + queue
                        + "' finished; their waits for those jobs end at their next poll instead", e);
                failing = true;
            }
        } while (!state.compareAndSet(SENDING, IDLE));
    }
}
