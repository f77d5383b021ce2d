package dev.apiary.worker;

import java.time.Instant;

/**
 * One worker instance at a point in time, with counts of the attempts it ran since it started.
 *
 * @param done      attempts that finished their job
 * @param retried   attempts that failed and left their job to run again
 * @param failed    attempts that ended their job failed or killed
 * @param lastTick  when its poller last ran, or {@code null} before the first poll
 * @param lastError the message of its last loop error, or {@code null}
 */
public record WorkerSnapshot(String worker, String instanceId, String queue, WorkerState state, int running,
                             long done, long retried, long failed, int restarts, Instant lastTick, String lastError) {
}
