package dev.apiary.impl.worker;

import dev.apiary.JobStatus;
import dev.apiary.Outcome;
import dev.apiary.spi.InMemory;
import dev.apiary.spi.JobStorage;
import dev.apiary.worker.Monitor;
import dev.apiary.worker.WorkerBuilder;
import dev.apiary.worker.WorkerEvent;
import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * {@code Monitor.runUntilShutdown()} in a JVM of its own that gets SIGTERM while a job runs: the JVM exits only
 * after the job has finished and been settled, within the grace period.
 */
class RunUntilShutdownTest {

    /** The node: one worker on the caller's executors, a 2 s job, and the one line that waits for the signal. */
    public static final class Node {
        public static void main(String[] args) throws Exception {
            ScheduledExecutorService scheduler = Executors.newSingleThreadScheduledExecutor();
            JobStorage<String> storage = InMemory.storage("slow", String.class);
            String id = storage.push("the job");
            Monitor monitor = Monitor.create(Executors.newCachedThreadPool(), scheduler)
                    .gracePeriod(Duration.ofSeconds(10));
            monitor.addListener(event -> {
                if (event.kind() == WorkerEvent.Kind.JOB_DONE) {
                    System.out.println("settled " + event.jobId() + " "
                            + storage.find(event.jobId()).orElseThrow().status());
                } else if (event.kind() == WorkerEvent.Kind.STOPPED) {
                    System.out.println("worker stopped, job " + storage.find(id).orElseThrow().status());
                }
            });
            monitor.register(WorkerBuilder.named("slow").source(storage).handler(job -> {
                System.out.println("running " + job.id());
                Thread.sleep(2000);
                System.out.println("finished " + job.id());
                return Outcome.done();
            }));
            monitor.runUntilShutdown();
        }
    }

    @Test
    void sigtermWaitsForTheRunningJobBeforeTheJvmExits() throws Exception {
        Path out = Files.createTempFile("apiary-node", ".log");
        Process node = new ProcessBuilder(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                "-cp", System.getProperty("java.class.path"), Node.class.getName())
                .redirectErrorStream(true).redirectOutput(out.toFile()).start();
        try {
            // given a job that has started
            await().atMost(Duration.ofSeconds(30)).until(() -> read(out).stream().anyMatch(l -> l.startsWith("running")));

            // when the JVM gets SIGTERM
            long signalled = System.nanoTime();
            node.destroy();

            // then it exits once the job has finished, and the job is settled done before the worker stops
            assertThat(node.waitFor(20, TimeUnit.SECONDS)).as("exited").isTrue();
            List<String> lines = read(out);
            assertThat(lines).as(String.join("\n", lines))
                    .anyMatch(l -> l.startsWith("finished"))
                    .anyMatch(l -> l.startsWith("worker stopped, job " + JobStatus.DONE));
            assertThat(Duration.ofNanos(System.nanoTime() - signalled)).isLessThan(Duration.ofSeconds(10));
        } finally {
            node.destroyForcibly();
            Files.deleteIfExists(out);
        }
    }

    private static List<String> read(Path file) throws IOException {
        return Files.readAllLines(file);
    }
}
