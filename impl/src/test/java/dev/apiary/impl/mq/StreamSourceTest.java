package dev.apiary.impl.mq;

import dev.apiary.Outcome;
import dev.apiary.layer.Layers;
import dev.apiary.layer.RetryPolicy;
import dev.apiary.spi.Streams;
import dev.apiary.worker.Monitor;
import dev.apiary.worker.WorkerBuilder;
import dev.apiary.worker.WorkerState;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.Flow;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import java.util.stream.IntStream;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/** Workers taking their jobs from a Flow.Publisher, an iterator or a stream. */
class StreamSourceTest {

    private Monitor monitor;

    @AfterEach
    void stop() {
        if (monitor != null) {
            monitor.stop();
        }
    }

    private void start(dev.apiary.spi.JobSource<Integer> source, int concurrency,
                       dev.apiary.JobHandler<Integer> handler) {
        monitor = Monitor.create().gracePeriod(Duration.ofSeconds(5));
        monitor.register(WorkerBuilder.named("stream").source(source)
                .layer(Layers.retry(RetryPolicy.exponential(Duration.ofMillis(50), Duration.ofMillis(50))))
                .concurrency(concurrency).handler(handler));
        monitor.start();
    }

    /** A publisher of 0..n-1 that records how many items were requested in all. */
    static final class CountingPublisher implements Flow.Publisher<Integer> {
        final AtomicLong requested = new AtomicLong();
        private final Flow.Publisher<Integer> items;

        CountingPublisher(int n) {
            this.items = Streams.publisher(IntStream.range(0, n).boxed().iterator());
        }

        @Override
        public void subscribe(Flow.Subscriber<? super Integer> subscriber) {
            items.subscribe(new Flow.Subscriber<Integer>() {
                @Override
                public void onSubscribe(Flow.Subscription s) {
                    subscriber.onSubscribe(new Flow.Subscription() {
                        @Override
                        public void request(long n) {
                            requested.addAndGet(n);
                            s.request(n);
                        }

                        @Override
                        public void cancel() {
                            s.cancel();
                        }
                    });
                }

                @Override
                public void onNext(Integer item) {
                    subscriber.onNext(item);
                }

                @Override
                public void onError(Throwable error) {
                    subscriber.onError(error);
                }

                @Override
                public void onComplete() {
                    subscriber.onComplete();
                }
            });
        }
    }

    @Test
    void aPublisherIsAskedForNoMoreItemsThanTheWorkerHasFreeSlots() throws Exception {
        CountingPublisher publisher = new CountingPublisher(100);
        CountDownLatch release = new CountDownLatch(1);
        AtomicInteger started = new AtomicInteger();
        start(Streams.source("numbers", publisher), 3, job -> {
            started.incrementAndGet();
            release.await(10, TimeUnit.SECONDS);
            return Outcome.done();
        });

        await().atMost(Duration.ofSeconds(5)).until(() -> started.get() == 3);
        await().during(Duration.ofMillis(300)).atMost(Duration.ofSeconds(2))
                .until(() -> publisher.requested.get() == 3);
        release.countDown();
        await().atMost(Duration.ofSeconds(10)).until(() -> started.get() == 100);
    }

    @Test
    void everyItemOfAnIteratorIsHandledAndTheWorkerStopsWhenItEnds() {
        List<Integer> seen = new CopyOnWriteArrayList<>();
        start(Streams.source("numbers", IntStream.range(0, 50).boxed().iterator()), 4, job -> {
            seen.add(job.payload());
            return Outcome.done();
        });

        await().atMost(Duration.ofSeconds(10)).until(() -> monitor.snapshot().get(0).state() == WorkerState.STOPPED);
        assertThat(seen).containsExactlyInAnyOrderElementsOf(IntStream.range(0, 50).boxed().toList());
        assertThat(monitor.snapshot().get(0).done()).isEqualTo(50);
    }

    @Test
    void aFailedItemOfAStreamIsRetriedInMemoryBeforeTheWorkerStops() {
        Map<Integer, AtomicInteger> tries = new ConcurrentHashMap<>();
        start(Streams.source("numbers", IntStream.range(0, 5).boxed()), 2, job -> {
            if (tries.computeIfAbsent(job.payload(), k -> new AtomicInteger()).incrementAndGet() == 1
                    && job.payload() == 3) {
                throw new IllegalStateException("first try of 3 fails");
            }
            return Outcome.done();
        });

        await().atMost(Duration.ofSeconds(10)).until(() -> monitor.snapshot().get(0).state() == WorkerState.STOPPED);
        assertThat(tries.get(3)).hasValue(2);
        assertThat(tries.keySet()).containsExactlyInAnyOrder(0, 1, 2, 3, 4);
    }
}
