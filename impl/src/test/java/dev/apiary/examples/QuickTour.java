package dev.apiary.examples;

import dev.apiary.AbortJobException;
import dev.apiary.JobOptions;
import dev.apiary.JobStatus;
import dev.apiary.Outcome;
import dev.apiary.layer.Layers;
import dev.apiary.layer.RetryPolicy;
import dev.apiary.spi.InMemory;
import dev.apiary.spi.JobQuery;
import dev.apiary.spi.JobStorage;
import dev.apiary.worker.Monitor;
import dev.apiary.worker.WorkerBuilder;
import dev.apiary.worker.WorkerEvent;

import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ThreadLocalRandom;

/**
 * The five-minute tour of docs/getting-started.md, longer, runnable with the README's run command: a monitor with an
 * e-mail worker (some sends fail and are retried with backoff; one address is rejected and killed) and a report
 * worker, on the in-memory storage.
 */
public final class QuickTour {

    /** A job payload: a public record, so JSON-B can bind it. */
    public record Email(String to, String subject) {
    }

    public static void main(String[] args) throws Exception {
        JobStorage<Email> emails = InMemory.storage("email", Email.class);

        Monitor monitor = Monitor.create().gracePeriod(Duration.ofSeconds(5));
        monitor.addListener(event -> {
            if (event.jobId() != null) {
                System.out.printf("%-10s %-16s job %s -> %s%n", event.kind(), event.instanceId(), event.jobId(),
                        describe(event.outcome()));
            }
        });
        monitor.register(2, i -> WorkerBuilder.named("email")
                .source(emails)
                .layer(Layers.tracing())
                .layer(Layers.catchFailure())
                .layer(Layers.retry(RetryPolicy.exponential(Duration.ofMillis(100), Duration.ofSeconds(1))))
                .layer(Layers.timeout(Duration.ofSeconds(2)))
                .concurrency(4)
                .handler(job -> {
                    Email email = job.payload();
                    if (email.to().endsWith("@invalid")) {
                        throw new AbortJobException("no such domain: " + email.to());
                    }
                    if (ThreadLocalRandom.current().nextInt(4) == 0) {
                        throw new IllegalStateException("SMTP server busy (attempt " + job.context().attempt() + ")");
                    }
                    Thread.sleep(20);
                    return Outcome.done("sent to " + email.to());
                }));

        CompletableFuture<Void> stopSignal = new CompletableFuture<>();
        Thread runner = new Thread(() -> {
            try {
                monitor.runUntil(stopSignal);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        });
        runner.start();

        for (int i = 1; i <= 20; i++) {
            emails.push(new Email("user" + i + "@example.com", "Welcome #" + i), JobOptions.defaults().withMaxAttempts(4));
        }
        emails.push(new Email("nobody@invalid", "Bounce"));
        emails.schedule(new Email("later@example.com", "Reminder"), java.time.Instant.now().plusSeconds(1));

        long deadline = System.nanoTime() + Duration.ofSeconds(20).toNanos();
        while (System.nanoTime() < deadline && (emails.counts().get(JobStatus.PENDING) > 0
                || emails.counts().get(JobStatus.RUNNING) > 0)) {
            Thread.sleep(100);
        }
        stopSignal.complete(null);
        runner.join();

        System.out.println();
        System.out.println("Jobs by status: " + emails.counts());
        emails.list(JobQuery.of(JobStatus.KILLED, 0, 10)).items()
                .forEach(j -> System.out.println("killed: " + j.payload().to() + " (" + j.lastError() + ")"));
        monitor.snapshot().forEach(s -> System.out.println("worker " + s.instanceId() + ": " + s.state() + ", done "
                + s.done() + ", retried attempts " + s.retried() + ", failed jobs " + s.failed()));
    }

    private static String describe(Outcome outcome) {
        if (outcome instanceof Outcome.Retry r) {
            return "retry at " + r.at() + " (" + r.error().lines().findFirst().orElse("") + ")";
        } else if (outcome instanceof Outcome.Failed f) {
            return "failed (" + f.error().lines().findFirst().orElse("") + ")";
        }
        return outcome.toString();
    }

    private QuickTour() {
    }
}
