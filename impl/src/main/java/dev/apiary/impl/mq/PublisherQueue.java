package dev.apiary.impl.mq;

import dev.apiary.JobOptions;
import dev.apiary.spi.JobIds;
import dev.apiary.spi.MessageQueue;

import java.time.Duration;
import java.time.Instant;
import java.util.concurrent.Executors;
import java.util.concurrent.Flow;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.logging.Level;
import java.util.logging.Logger;

import dev.apiary.impl.monitor.DaemonThreads;

/**
 * A {@link Flow.Publisher} as a message queue: the consumer's requests go to the subscription one for one, so the
 * publisher emits only as many items as the worker has free slots. Retries and hand-backs are kept in memory and
 * delivered again (a retry at its instant) without asking the publisher for more; the stream's completion reaches
 * the receiver once nothing is left to deliver again. Dead letters are logged, as a stream has nowhere to put them.
 */
public final class PublisherQueue<T> implements MessageQueue<T> {

    private static final Logger LOG = Logger.getLogger(PublisherQueue.class.getName());
    private static final ScheduledExecutorService TIMER =
            Executors.newSingleThreadScheduledExecutor(DaemonThreads.named("apiary-stream-timer"));

    private final String name;
    private final Flow.Publisher<? extends T> publisher;
    private final int maxAttempts;
    private volatile Receiver<T> receiver;
    private volatile Flow.Subscription subscription;
    private volatile boolean publisherDone;
    private volatile boolean closed;
    /** Deliveries made and not settled, plus retries waiting for their instant. */
    private final AtomicInteger unsettled = new AtomicInteger();

    public PublisherQueue(String name, Flow.Publisher<? extends T> publisher, int maxAttempts) {
        if (maxAttempts < 1) {
            throw new IllegalArgumentException("maxAttempts must be at least 1, was " + maxAttempts);
        }
        this.name = name;
        this.publisher = publisher;
        this.maxAttempts = maxAttempts;
    }

    @Override
    public String queue() {
        return name;
    }

    @Override
    public String send(T payload, JobOptions options) {
        throw new UnsupportedOperationException("stream source '" + name + "' takes its items from its publisher; "
                + "it cannot be sent to");
    }

    @Override
    public synchronized Consumption open(Receiver<T> r) {
        if (receiver != null) {
            throw new IllegalStateException("stream source '" + name + "' was opened already; a publisher's items "
                    + "are consumed once");
        }
        receiver = r;
        publisher.subscribe(new Subscriber());
        return new Consumption() {
            @Override
            public void request(int n) {
                Flow.Subscription s = subscription;
                if (s != null && !publisherDone) {
                    s.request(n);
                }
            }

            @Override
            public void close() {
                closed = true;
                Flow.Subscription s = subscription;
                if (s != null && !publisherDone) {
                    s.cancel();
                }
            }
        };
    }

    private void deliver(String id, T item, int attempt, Instant enqueuedAt) {
        unsettled.incrementAndGet();
        receiver.onDelivery(new StreamDelivery(id, item, attempt, enqueuedAt));
    }

    private void settled() {
        if (unsettled.decrementAndGet() == 0 && publisherDone) {
            receiver.onComplete();
        }
    }

    private final class Subscriber implements Flow.Subscriber<T> {
        @Override
        public void onSubscribe(Flow.Subscription s) {
            subscription = s;
        }

        @Override
        public void onNext(T item) {
            deliver(JobIds.next(), item, 1, Instant.now());
        }

        @Override
        public void onError(Throwable error) {
            LOG.log(Level.SEVERE, "The stream of source '" + name + "' failed; the worker stops once its running "
                    + "items are settled", error);
            finish();
        }

        @Override
        public void onComplete() {
            finish();
        }

        private void finish() {
            publisherDone = true;
            if (unsettled.get() == 0) {
                receiver.onComplete();
            }
        }
    }

    private final class StreamDelivery implements Delivery<T> {
        private final String id;
        private final T item;
        private final int attempt;
        private final Instant enqueuedAt;

        StreamDelivery(String id, T item, int attempt, Instant enqueuedAt) {
            this.id = id;
            this.item = item;
            this.attempt = attempt;
            this.enqueuedAt = enqueuedAt;
        }

        @Override
        public String id() {
            return id;
        }

        @Override
        public T payload() {
            return item;
        }

        @Override
        public int attempt() {
            return attempt;
        }

        @Override
        public int maxAttempts() {
            return maxAttempts;
        }

        @Override
        public Instant enqueuedAt() {
            return enqueuedAt;
        }

        @Override
        public void ack() {
            settled();
        }

        @Override
        public void retry(Instant at, String error) {
            long delay = Math.max(0, Duration.between(Instant.now(), at).toNanos());
            // the retry stays unsettled until delivered again, so completion waits for it
            TIMER.schedule(() -> {
                if (!closed) {
                    deliver(id, item, attempt + 1, enqueuedAt);
                }
                settled();
            }, delay, TimeUnit.NANOSECONDS);
        }

        @Override
        public void deadLetter(String reason) {
            LOG.warning(() -> "Item " + id + " of stream source '" + name + "' is dropped after attempt " + attempt
                    + ": " + reason);
            settled();
        }

        @Override
        public void release() {
            if (!closed) {
                deliver(id, item, attempt, enqueuedAt);
            }
            settled();
        }
    }
}
