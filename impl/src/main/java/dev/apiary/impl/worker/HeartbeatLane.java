package dev.apiary.impl.worker;

import java.util.Queue;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.atomic.AtomicBoolean;

/**
 * Runs the heartbeats of a node's instances on one source one after another, on whichever scheduler thread brings
 * one while none runs; a thread that finds the lane busy leaves its heartbeat queued and returns at once. So a
 * source whose database hangs holds one of the scheduler's threads, not one per instance, and the heartbeats of
 * other sources go on beside it. Heartbeats run on the monitor's scheduler, never on the job executor: a pool full
 * of long jobs must not make a live node look dead.
 */
public final class HeartbeatLane {

    private final Queue<Runnable> waiting = new ConcurrentLinkedQueue<>();
    /** Held by the thread that runs the lane's heartbeats. */
    private final AtomicBoolean running = new AtomicBoolean();

    /** Runs {@code beat} on this thread, after any queued before it, or leaves it to the thread running the lane. */
    void run(Runnable beat) {
        waiting.add(beat);
        // whoever lets go of the lane looks again: a heartbeat queued just before the release is not left behind
        while (!waiting.isEmpty() && running.compareAndSet(false, true)) {
            try {
                Runnable next;
                while ((next = waiting.poll()) != null) {
                    next.run();
                }
            } finally {
                running.set(false);
            }
        }
    }
}
