package dev.apiary.impl.mq;

import dev.apiary.JobOptions;
import dev.apiary.spi.JobIds;
import dev.apiary.spi.MessageQueue;

import java.time.Duration;
import java.time.Instant;
import java.util.concurrent.Flow;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.logging.Level;
import java.util.logging.Logger;

/**
 * A {@link Flow.Publisher} as a message queue: the consumer's requests go to the subscription one for one, so the
 * publisher emits only as many items as the worker has free slots. Retries and hand-backs are kept in memory and
 * delivered again (a retry at its instant, timed by the consuming worker's scheduler) without asking the publisher
 * for more; the stream's completion reaches the receiver once nothing is left to deliver again. Dead letters are
 * logged, as a stream has nowhere to put them.
 *
 * <p>The publisher may call {@code onSubscribe} on any thread, before or after the consumer's first request: what
 * is requested before it goes to the subscription once it arrives. A stream that fails ({@code onError}) ends like
 * one that completes: the items already delivered are finished, their retries included, and the worker then stops;
 * a publisher cannot be subscribed to again, so the worker is not restarted. Closing the consumption (the worker
 * stops) cancels the subscription, at once or as soon as {@code onSubscribe} arrives; items the publisher emits
 * after that are dropped.
 */
public final class PublisherQueue<T> implements MessageQueue<T> {

    private static final Logger LOG = Logger.getLogger(PublisherQueue.class.getName());

    private final String name;
    private final Flow.Publisher<? extends T> publisher;
    private final int maxAttempts;
    private volatile Receiver<T> receiver;
    /** Guards the subscription's arrival against requests and the close, which may come on other threads. */
    private final Object subscribing = new Object();
    /** The publisher's subscription, once onSubscribe has come; guarded by subscribing. */
    private Flow.Subscription subscription;
    /** Requested before the subscription came; guarded by subscribing. */
    private long requestedEarly;
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
        Subscriber subscriber = new Subscriber();
        try {
            publisher.subscribe(subscriber);
        } catch (RuntimeException e) {
            // a publisher must signal onError rather than throw; one that throws has failed all the same
            subscriber.onError(e);
        }
        return new Consumption() {
            @Override
            public void request(int n) {
                Flow.Subscription s;
                synchronized (subscribing) {
                    if (closed || publisherDone) {
                        return;
                    }
                    if (subscription == null) {
                        requestedEarly += n;
                        return;
                    }
                    s = subscription;
                }
                s.request(n);
            }

            @Override
            public void close() {
                Flow.Subscription s;
                synchronized (subscribing) {
                    closed = true;
                    s = subscription;
                }
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
            long early;
            boolean cancel;
            synchronized (subscribing) {
                if (subscription != null) {
                    // a second subscription for one subscriber breaks the publisher's contract: refuse it
                    cancel = true;
                    early = 0;
                } else {
                    subscription = s;
                    cancel = closed || publisherDone;
                    early = requestedEarly;
                    requestedEarly = 0;
                }
            }
            if (cancel) {
                s.cancel();
            } else if (early > 0) {
                s.request(early);
            }
        }

        @Override
        public void onNext(T item) {
            if (closed) {
                // emitted after the cancel: no worker takes it any more
                return;
            }
            deliver(JobIds.next(), item, 1, Instant.now());
        }

        @Override
        public void onError(Throwable error) {
            LOG.log(Level.SEVERE, "The stream of source '" + name + "' failed; the worker stops once the items "
                    + "it has are settled", error);
            finish();
        }

        @Override
        public void onComplete() {
            finish();
        }

        private void finish() {
            if (publisherDone) {
                return;
            }
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
            try {
                receiver.scheduler().schedule(() -> {
                    if (!closed) {
                        deliver(id, item, attempt + 1, enqueuedAt);
                    }
                    settled();
                }, delay, TimeUnit.NANOSECONDS);
            } catch (RejectedExecutionException stopping) {
                // the worker's monitor stops: stream items are not durable, and this one is dropped with the rest
                settled();
            }
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
