package dev.apiary.jpa;

import java.time.Clock;

/**
 * Pausing and resuming the queue of one job storage: a row in {@code apiary_paused_queues} that every node's claim
 * checks (on PostgreSQL inside the claim statement, elsewhere with one lookup before it), so a pause holds on every
 * node from its commit on. A resume notifies other nodes, as a push does, so their idle workers claim at once.
 */
final class PausedQueues {

    private final String queue;
    private final JobTable table;
    private final StorageTransactions transactions;
    private final WakeUps wakeUps;
    private final Clock clock;

    PausedQueues(String queue, JobTable table, StorageTransactions transactions, WakeUps wakeUps, Clock clock) {
        this.queue = queue;
        this.table = table;
        this.transactions = transactions;
        this.wakeUps = wakeUps;
        this.clock = clock;
    }

    void pause() {
        try {
            transactions.run("pause queue '" + queue + "'", em -> {
                table.pause(em, JobTable.utc(clock.instant()));
                return null;
            });
        } catch (RuntimeException e) {
            // two pauses at once: the one that lost the insert finds the queue paused, which is what it wanted
            if (!isPaused()) {
                throw e;
            }
        }
    }

    void resume() {
        boolean resumed = transactions.run("resume queue '" + queue + "'", em -> {
            boolean was = table.resume(em);
            if (was) {
                table.notifyOtherNodes(em);
            }
            return was;
        });
        if (resumed) {
            wakeUps.wakeUp();
        }
    }

    boolean isPaused() {
        return transactions.run("read whether queue '" + queue + "' is paused", table::paused);
    }
}
