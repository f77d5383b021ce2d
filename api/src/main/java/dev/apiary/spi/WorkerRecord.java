package dev.apiary.spi;

import java.time.Instant;

/**
 * A worker instance as a storage last heard of it: one row per instance across every node that shares the storage.
 *
 * @param instanceId the instance's unique id
 * @param worker     the worker's name, or {@code null} when the instance never reported it
 * @param node       the host name of the node it runs on, or {@code null}
 * @param state      its state at the last heartbeat ({@link dev.apiary.worker.WorkerState} name), or {@code null}
 * @param running    jobs it was running at the last heartbeat
 * @param done       jobs it ended as done since it started
 * @param failed     jobs it ended otherwise since it started
 * @param lastSeen   its last heartbeat
 */
public record WorkerRecord(String instanceId, String worker, String queue, String node, String state, int running,
                           long done, long failed, Instant startedAt, Instant lastSeen) {
}
