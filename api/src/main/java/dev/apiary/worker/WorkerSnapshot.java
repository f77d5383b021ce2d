package dev.apiary.worker;

import java.time.Instant;

/**
 * One worker instance at a point in time.
 *
 * @param lastTick  when its poller last ran, or {@code null} before the first poll
 * @param lastError the message of its last loop error, or {@code null}
 */
public record WorkerSnapshot(String worker, String instanceId, String queue, WorkerState state, int running,
                             long done, long failed, int restarts, Instant lastTick, String lastError) {
}
