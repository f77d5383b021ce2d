package dev.apiary.impl.worker;

import dev.apiary.impl.telemetry.Telemetry;
import dev.apiary.spi.JobSource;

/**
 * What every stage of one instance is given instead of the instance itself: who it is, what it runs, where its jobs
 * come from, the counters it writes, where it reports, and its time and threads. Immutable; the stages call back
 * into the instance only through their own small {@code Callbacks}.
 *
 * @param queue kept apart from the source: a snapshot must work after a container has destroyed the source's bean
 */
record StageContext<T>(WorkerDefinition<T> definition, String instanceId, JobSource<T> source, String queue,
                       WorkerStats stats, Telemetry telemetry, StageThreads threads) {
}
