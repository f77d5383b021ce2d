package dev.apiary.impl.worker;

import java.time.Instant;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.LongAdder;

/** The counters behind an instance's snapshot; written by the stages named on each, read by snapshots. */
final class WorkerStats {

    /** Jobs that ended done; written by the settler as it records an outcome. */
    final LongAdder done = new LongAdder();
    /** Attempts that failed and left their job to run again; written by the settler as it records an outcome. */
    final LongAdder retried = new LongAdder();
    /** Jobs that ended failed or killed; written by the settler as it records an outcome. */
    final LongAdder failed = new LongAdder();
    /** Restarts after a crash; written by the instance's lifecycle. */
    final AtomicInteger restarts = new AtomicInteger();
    /** When the poller last started a poll or claim; written by the poller. */
    volatile Instant lastTick;
    /** The last runtime failure (a crash, a heartbeat or a settle that failed); written by those stages. */
    volatile String lastError;
}
