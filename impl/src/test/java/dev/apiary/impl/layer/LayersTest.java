package dev.apiary.impl.layer;

import dev.apiary.AbortJobException;
import dev.apiary.JobHandler;
import dev.apiary.JobTimeoutException;
import dev.apiary.Outcome;
import dev.apiary.RetryableException;
import dev.apiary.layer.Layer;
import dev.apiary.layer.Layers;
import dev.apiary.layer.RetryPolicy;
import dev.apiary.testing.JobTester;
import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

import static org.assertj.core.api.Assertions.assertThat;

/** Each built-in layer's strategy, run through {@link JobTester} as a user would unit-test a handler. */
class LayersTest {

    private static final JobHandler<String> FAILS = job -> {
        throw new IllegalStateException("smtp down");
    };

    private static Layer recording(List<String> log, String name) {
        return (job, next) -> {
            log.add(name + " in");
            Outcome outcome = next.proceed();
            log.add(name + " out");
            return outcome;
        };
    }

    @Test
    void layersRunInTheOrderTheyWereAddedFirstOutermost() {
        List<String> log = Collections.synchronizedList(new ArrayList<>());

        Outcome outcome = JobTester.<String>forHandler(job -> {
                    log.add("handler");
                    return Outcome.done("sent");
                })
                .layer(recording(log, "a")).layer(recording(log, "b")).layer(recording(log, "c"))
                .run("x");

        assertThat(outcome).isEqualTo(Outcome.done("sent"));
        assertThat(log).containsExactly("a in", "b in", "c in", "handler", "c out", "b out", "a out");
    }

    @Test
    void aLayerCanShortCircuitTheChain() {
        AtomicInteger calls = new AtomicInteger();

        Outcome outcome = JobTester.<String>forHandler(job -> {
                    calls.incrementAndGet();
                    return Outcome.done();
                })
                .layer((job, next) -> Outcome.kill("blocked"))
                .run("x");

        assertThat(outcome).isEqualTo(Outcome.kill("blocked"));
        assertThat(calls).hasValue(0);
    }

    @Test
    void retryTurnsAFailureIntoARetryAtTheBackoffWhileAttemptsRemain() {
        Instant before = Instant.now();

        Outcome outcome = JobTester.forHandler(FAILS)
                .layer(Layers.retry(new RetryPolicy(0, Duration.ofSeconds(10), Duration.ofMinutes(1), 2, 0)))
                .attempt(2, 3)
                .run("x");

        assertThat(outcome).isInstanceOf(Outcome.Retry.class);
        Outcome.Retry retry = (Outcome.Retry) outcome;
        assertThat(retry.at()).isBetween(before.plusSeconds(19), Instant.now().plusSeconds(21));
        assertThat(retry.error()).contains("IllegalStateException: smtp down").contains("at ");
    }

    @Test
    void retryBackoffPlaysOutInAWorkerAsTheManualClockMoves() {
        // the retry layer reads the system clock; the manual clock starts at it, so its backoffs fall due as it moves
        dev.apiary.testing.ManualClock clock = dev.apiary.testing.ManualClock.startingNow();
        dev.apiary.spi.JobStorage<String> storage = dev.apiary.testing.WorkerDriver.inMemoryStorage("mail",
                String.class, clock);
        AtomicInteger tries = new AtomicInteger();
        dev.apiary.testing.WorkerDriver driver = dev.apiary.testing.WorkerDriver.start(
                dev.apiary.worker.WorkerBuilder.named("mail").source(storage)
                        .layer(Layers.retry(new RetryPolicy(3, Duration.ofSeconds(10), Duration.ofMinutes(1), 2, 0)))
                        .handler(job -> {
                            if (tries.incrementAndGet() < 3) {
                                throw new IllegalStateException("smtp down");
                            }
                            return Outcome.done();
                        }), clock);
        String id = storage.push("hello");

        // (both backoffs count from the system clock's now, which stays near the manual clock's start: 10 s, 20 s)
        driver.runUntilIdle();
        driver.advance(Duration.ofSeconds(9));
        assertThat(tries).as("before the first backoff (10 s)").hasValue(1);
        driver.advance(Duration.ofSeconds(3));
        assertThat(tries).as("after it, within an idle poll").hasValue(2);
        driver.advance(Duration.ofSeconds(6));
        assertThat(tries).as("before the second backoff (20 s)").hasValue(2);
        driver.advance(Duration.ofSeconds(5));

        assertThat(tries).hasValue(3);
        assertThat(storage.find(id).orElseThrow().status()).isEqualTo(dev.apiary.JobStatus.DONE);
    }

    @Test
    void retryFailsTheJobOnItsLastAttempt() {
        Outcome outcome = JobTester.forHandler(FAILS).layer(Layers.retry(RetryPolicy.defaults()))
                .attempt(3, 3).run("x");

        assertThat(outcome).isInstanceOf(Outcome.Failed.class);
        assertThat(((Outcome.Failed) outcome).error()).contains("smtp down");
    }

    @Test
    void aPolicyCanLowerTheAttemptBudget() {
        Outcome outcome = JobTester.forHandler(FAILS).layer(Layers.retry(RetryPolicy.defaults().withMaxAttempts(2)))
                .attempt(2, 5).run("x");

        assertThat(outcome).isInstanceOf(Outcome.Failed.class);
    }

    @Test
    void abortKillsTheJobWhateverAttemptsRemain() {
        Outcome outcome = JobTester.<String>forHandler(job -> {
                    throw new AbortJobException("address does not exist");
                })
                .layer(Layers.retry(RetryPolicy.defaults())).attempt(1, 10).run("x");

        assertThat(outcome).isEqualTo(Outcome.kill("address does not exist"));
    }

    @Test
    void aRetryableExceptionsDelayOverridesTheBackoff() {
        Instant before = Instant.now();

        Outcome outcome = JobTester.<String>forHandler(job -> {
                    throw new RetryableException("rate limited upstream", Duration.ofHours(1));
                })
                .layer(Layers.retry(RetryPolicy.defaults())).run("x");

        assertThat(((Outcome.Retry) outcome).at()).isAfter(before.plus(Duration.ofMinutes(59)));
    }

    @Test
    void backoffGrowsExponentiallyUpToTheCapWithJitterBelowIt() {
        RetryPolicy policy = new RetryPolicy(0, Duration.ofMillis(100), Duration.ofSeconds(1), 2, 0.5);

        for (int i = 0; i < 50; i++) {
            assertThat(RetryStrategy.backoff(policy, 1)).isBetween(Duration.ofMillis(50), Duration.ofMillis(100));
            assertThat(RetryStrategy.backoff(policy, 3)).isBetween(Duration.ofMillis(200), Duration.ofMillis(400));
            assertThat(RetryStrategy.backoff(policy, 30)).isBetween(Duration.ofMillis(500), Duration.ofSeconds(1));
        }
    }

    @Test
    void timeoutFailsAnAttemptThatRunsTooLongAndInterruptsIt() throws Exception {
        AtomicInteger interrupted = new AtomicInteger();
        long start = System.nanoTime();

        Outcome outcome = JobTester.<String>forHandler(job -> {
                    try {
                        Thread.sleep(10_000);
                    } catch (InterruptedException e) {
                        interrupted.incrementAndGet();
                        throw e;
                    }
                    return Outcome.done();
                })
                .layer(Layers.catchFailure()).layer(Layers.timeout(Duration.ofMillis(100))).run("x");

        assertThat(Duration.ofNanos(System.nanoTime() - start)).isLessThan(Duration.ofSeconds(5));
        assertThat(outcome).isInstanceOf(Outcome.Failed.class);
        assertThat(((Outcome.Failed) outcome).error()).contains(JobTimeoutException.class.getName());
        org.awaitility.Awaitility.await().atMost(Duration.ofSeconds(5)).untilAsserted(
                () -> assertThat(interrupted).hasValue(1));
    }

    @Test
    void timeoutFailsAnAttemptThatIgnoresTheInterruptOnceItReturns() {
        long start = System.nanoTime();

        Outcome outcome = JobTester.<String>forHandler(job -> {
                    long until = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(500);
                    while (System.nanoTime() < until) {
                        Thread.onSpinWait();
                    }
                    return Outcome.done();
                })
                .layer(Layers.retry(RetryPolicy.defaults())).layer(Layers.timeout(Duration.ofMillis(100)))
                .attempt(1, 3).run("x");

        // the handler kept its thread until it returned, and its late result is discarded
        assertThat(Duration.ofNanos(System.nanoTime() - start)).isGreaterThanOrEqualTo(Duration.ofMillis(500));
        assertThat(outcome).as("a timeout is retryable").isInstanceOf(Outcome.Retry.class);
        assertThat(Thread.currentThread().isInterrupted()).as("the interrupt does not leak to the next job").isFalse();
    }

    @Test
    void timeoutRunsTheHandlerOnTheCallersThreadAndCountsFromItsStart() throws Exception {
        // given a pool of one thread, as busy as a container's smallest executor, and a job queued behind another
        ExecutorService pool = Executors.newFixedThreadPool(1);
        try {
            Layer timeout = Layers.timeout(Duration.ofMillis(600));
            List<String> threads = new java.util.concurrent.CopyOnWriteArrayList<>();
            JobTester<String> tester = JobTester.<String>forHandler(job -> {
                threads.add(Thread.currentThread().getName());
                Thread.sleep(400);
                return Outcome.done();
            }).layer(timeout);

            // when both run, the second after waiting 400 ms for the only thread
            Future<Outcome> first = pool.submit(() -> tester.run("first"));
            Future<Outcome> second = pool.submit(() -> tester.run("second"));

            // then both are done: 400 ms of work each, the queue time not counted, no second thread taken
            assertThat(first.get(5, TimeUnit.SECONDS)).isEqualTo(Outcome.done());
            assertThat(second.get(5, TimeUnit.SECONDS)).isEqualTo(Outcome.done());
            assertThat(threads).hasSize(2).allMatch(t -> t.equals(threads.get(0)));
        } finally {
            pool.shutdownNow();
        }
    }

    @Test
    void timeoutPassesAFastOutcomeThrough() {
        Outcome outcome = JobTester.<String>forHandler(job -> Outcome.done(job.payload()))
                .layer(Layers.timeout(Duration.ofSeconds(5))).run("fast");

        assertThat(outcome).isEqualTo(Outcome.done("fast"));
    }

    @Test
    void catchFailureTurnsAnErrorIntoAFailedOutcomeWithItsStackTrace() {
        Outcome outcome = JobTester.<String>forHandler(job -> {
                    throw new StackOverflowError("deep");
                })
                .layer(Layers.catchFailure()).layer(Layers.retry(RetryPolicy.defaults())).run("x");

        assertThat(outcome).isInstanceOf(Outcome.Failed.class);
        assertThat(((Outcome.Failed) outcome).error()).contains("StackOverflowError: deep").contains("\tat ");
    }

    @Test
    void withoutLayersAThrowingHandlerFailsLikeInAWorker() {
        Outcome outcome = JobTester.forHandler(FAILS).run("x");

        assertThat(outcome).isInstanceOf(Outcome.Failed.class);
    }

    @Test
    void rateLimitHoldsJobsToThePermittedRate() throws Exception {
        Layer limit = Layers.rateLimit(5, Duration.ofMillis(500));
        JobTester<String> tester = JobTester.<String>forHandler(job -> Outcome.done()).layer(limit);
        ExecutorService pool = Executors.newFixedThreadPool(4);
        long start = System.nanoTime();
        try {
            // 5 pass at once (the burst), the next 10 need 2 more periods
            List<java.util.concurrent.Future<Outcome>> results = new ArrayList<>();
            for (int i = 0; i < 15; i++) {
                results.add(pool.submit(() -> tester.run("x")));
            }
            for (var r : results) {
                assertThat(r.get(10, TimeUnit.SECONDS)).isEqualTo(Outcome.done());
            }
        } finally {
            pool.shutdownNow();
        }

        Duration took = Duration.ofNanos(System.nanoTime() - start);
        assertThat(took).isGreaterThanOrEqualTo(Duration.ofMillis(950)).isLessThan(Duration.ofSeconds(5));
    }

    @Test
    void concurrencyLimitCapsJobsInsideTheLayer() throws Exception {
        Layer limit = Layers.concurrencyLimit(2);
        AtomicInteger inside = new AtomicInteger();
        AtomicInteger most = new AtomicInteger();
        JobTester<String> tester = JobTester.<String>forHandler(job -> {
            int now = inside.incrementAndGet();
            most.accumulateAndGet(now, Math::max);
            Thread.sleep(30);
            inside.decrementAndGet();
            return Outcome.done();
        }).layer(limit);
        ExecutorService pool = Executors.newFixedThreadPool(6);
        try {
            List<java.util.concurrent.Future<Outcome>> results = new ArrayList<>();
            for (int i = 0; i < 12; i++) {
                results.add(pool.submit(() -> tester.run("x")));
            }
            for (var r : results) {
                r.get(10, TimeUnit.SECONDS);
            }
        } finally {
            pool.shutdownNow();
        }

        assertThat(most).hasValue(2);
    }

    @Test
    void handlersReadWorkerDataByType() {
        record Mailer(String host) {
        }

        Outcome outcome = JobTester.<String>forHandler(job -> Outcome.done(job.data(Mailer.class).host()))
                .data(Mailer.class, new Mailer("smtp.example.com")).run("x");

        assertThat(outcome).isEqualTo(Outcome.done("smtp.example.com"));
    }

    @Test
    void missingWorkerDataIsAClearError() {
        Outcome outcome = JobTester.<String>forHandler(job -> Outcome.done(job.data(Integer.class))).run("x");

        assertThat(((Outcome.Failed) outcome).error()).contains("has no data of type java.lang.Integer")
                .contains("WorkerBuilder.data");
    }
}
