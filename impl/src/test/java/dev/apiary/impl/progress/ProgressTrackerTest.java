package dev.apiary.impl.progress;

import dev.apiary.Job;
import dev.apiary.JobContext;
import dev.apiary.JobOptions;
import dev.apiary.JobProgress;
import dev.apiary.Outcome;
import dev.apiary.spi.InMemory;
import dev.apiary.spi.JobSource;
import dev.apiary.spi.JobStorage;
import dev.apiary.spi.Progress;
import dev.apiary.spi.Settlement;
import dev.apiary.worker.Monitor;
import dev.apiary.worker.WorkerBuilder;
import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

class ProgressTrackerTest {

    @Test
    void aTightLoopOfReportsWritesAtMostOncePerIntervalAndAlwaysTheEnd() {
        RecordingSource source = new RecordingSource();
        JobContext job = new JobContext("job-1", "q", 1, 3, Instant.now(), 0, Instant.now(), "w1", Map.of());
        long reports = 0;
        ProgressTracker.Slot slot = new ProgressTracker.Slot(source);
        try (var shown = slot.open()) {
            slot.start(job);
            long end = System.nanoTime() + Duration.ofMillis(1500).toNanos();
            while (System.nanoTime() < end) {
                JobProgress.of(job).report((int) (reports++ % 100), "step " + reports);
            }
            JobProgress.of(job).report(100, "finished");
        }
        JobProgress.of(job).report(100, "after the attempt");

        assertThat(reports).isGreaterThan(1000);
        // one write at once, one per elapsed second, and the end
        assertThat(source.writes).hasSizeBetween(2, 4);
        assertThat(source.writes.get(source.writes.size() - 1)).isEqualTo("100 finished");
    }

    @Test
    void percentIsClampedAndTheMessageCut() {
        RecordingSource source = new RecordingSource();
        JobContext job = new JobContext("job-2", "q", 1, 3, Instant.now(), 0, Instant.now(), "w1", Map.of());
        ProgressTracker.Slot slot = new ProgressTracker.Slot(source);
        try (var shown = slot.open()) {
            slot.start(job);
            JobProgress.of(job).report(250, "x".repeat(500));
        }
        assertThat(source.writes).containsExactly("100 " + "x".repeat(ProgressTracker.MAX_MESSAGE));
    }

    @Test
    void aHandlersProgressIsVisibleInTheStorageWhileItRuns() throws Exception {
        JobStorage<String> storage = InMemory.storage("progress", String.class);
        CountDownLatch release = new CountDownLatch(1);
        Monitor monitor = Monitor.create();
        monitor.register(WorkerBuilder.named("renderer").source(storage).handler((Job<String> job) -> {
            JobProgress.of(job.context()).report(40, "page 4 of 10");
            release.await(30, TimeUnit.SECONDS);
            return Outcome.done();
        }));
        monitor.start();
        try {
            String id = storage.push("report", JobOptions.defaults());

            await().atMost(Duration.ofSeconds(20)).until(() -> storage.find(id).orElseThrow().progress() != null);
            Progress progress = storage.find(id).orElseThrow().progress();
            assertThat(progress.percent()).isEqualTo(40);
            assertThat(progress.message()).isEqualTo("page 4 of 10");
        } finally {
            release.countDown();
            monitor.stop();
        }
    }

    /** A source that records the progress it is asked to store. */
    private static final class RecordingSource implements JobSource<String> {
        final List<String> writes = new CopyOnWriteArrayList<>();

        @Override
        public boolean progress(JobContext job, int percent, String message) {
            writes.add(percent + " " + message);
            return true;
        }

        @Override
        public String queue() {
            return "q";
        }

        @Override
        public List<Job<String>> claim(String workerId, int max) {
            return List.of();
        }

        @Override
        public void settle(List<Settlement> settlements) {
        }

        @Override
        public void release(String workerId, List<String> jobIds) {
        }
    }
}
