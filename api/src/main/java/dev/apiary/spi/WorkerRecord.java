package dev.apiary.spi;

import java.time.Duration;
import java.time.Instant;

/**
 * A worker instance as a storage last heard of it: one row per instance across every node that shares the storage.
 *
 * @param instanceId the instance's unique id
 * @param worker     the worker's name, or {@code null} when the instance never reported it
 * @param node       the node it runs on ({@link NodeIdentity}), or {@code null}
 * @param state      its state at the last heartbeat ({@link dev.apiary.worker.WorkerState} name), or {@code null};
 *                   {@code STOPPED} once it stopped gracefully
 * @param running    jobs it was running at the last heartbeat
 * @param done       jobs it ended as done since it started
 * @param failed     jobs it ended otherwise since it started
 * @param lastSeen   its last heartbeat
 * @param status     what the instance is now: {@value #LOST} when it stopped heartbeating for longer than its
 *                   {@code lease} without stopping gracefully (killed, or cut off), else its {@code state}
 * @param lease      after how long without a heartbeat its jobs are taken back, or {@code null} when it never said
 */
public record WorkerRecord(String instanceId, String worker, String queue, String node, String state, int running,
                           long done, long failed, Instant startedAt, Instant lastSeen, String status,
                           Duration lease) {

    /** The {@link #status} of an instance that stopped heartbeating without stopping gracefully. */
    public static final String LOST = "LOST";
    /** The state an instance that stopped gracefully reports last. */
    public static final String STOPPED = "STOPPED";

    /** A record whose status is its state. */
    public WorkerRecord(String instanceId, String worker, String queue, String node, String state, int running,
                        long done, long failed, Instant startedAt, Instant lastSeen) {
        this(instanceId, worker, queue, node, state, running, done, failed, startedAt, lastSeen, state, null);
    }

    /**
     * The record as seen at {@code now}: {@link #LOST} when it has a lease (not zero), is not {@link #STOPPED} and was
     * last seen longer than the lease ago; else its state.
     */
    public WorkerRecord seenAt(Instant now, Duration lease) {
        boolean lost = lease != null && !lease.isZero() && !STOPPED.equals(state) && lastSeen != null
                && lastSeen.plus(lease).isBefore(now);
        return new WorkerRecord(instanceId, worker, queue, node, state, running, done, failed, startedAt, lastSeen,
                lost ? LOST : state, lease);
    }

    /** Whether the instance is live: neither stopped nor lost. */
    public boolean live() {
        return !STOPPED.equals(status) && !LOST.equals(status);
    }
}
