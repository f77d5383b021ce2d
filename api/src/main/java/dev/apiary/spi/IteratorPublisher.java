package dev.apiary.spi;

import java.util.Iterator;
import java.util.concurrent.Flow;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;

/**
 * Emits an iterator's items on the thread that requests them. One thread drains at a time (a request arriving while
 * another thread drains adds to the demand that thread serves), so the subscriber never sees concurrent signals.
 */
final class IteratorPublisher<T> implements Flow.Publisher<T> {

    private final Iterator<? extends T> items;
    private final Runnable onEnd;
    private final AtomicBoolean subscribed = new AtomicBoolean();

    IteratorPublisher(Iterator<? extends T> items, Runnable onEnd) {
        this.items = items;
        this.onEnd = onEnd;
    }

    @Override
    public void subscribe(Flow.Subscriber<? super T> subscriber) {
        if (!subscribed.compareAndSet(false, true)) {
            subscriber.onSubscribe(new Flow.Subscription() {
                @Override
                public void request(long n) {
                }

                @Override
                public void cancel() {
                }
            });
            subscriber.onError(new IllegalStateException("an iterator can be consumed by one subscriber only"));
            return;
        }
        subscriber.onSubscribe(new Subscription(subscriber));
    }

    private final class Subscription implements Flow.Subscription {
        private final Flow.Subscriber<? super T> subscriber;
        private final AtomicLong demand = new AtomicLong();
        private final AtomicInteger draining = new AtomicInteger();
        private volatile boolean done;

        Subscription(Flow.Subscriber<? super T> subscriber) {
            this.subscriber = subscriber;
        }

        @Override
        public void request(long n) {
            if (n <= 0) {
                end(new IllegalArgumentException("request must be positive, was " + n));
                return;
            }
            demand.accumulateAndGet(n, (a, b) -> a + b < 0 ? Long.MAX_VALUE : a + b);
            if (draining.getAndIncrement() != 0) {
                return;
            }
            int missed = 1;
            do {
                while (!done && demand.get() > 0) {
                    T next;
                    try {
                        if (!items.hasNext()) {
                            end(null);
                            return;
                        }
                        next = items.next();
                    } catch (RuntimeException e) {
                        end(e);
                        return;
                    }
                    demand.decrementAndGet();
                    subscriber.onNext(next);
                }
                missed = draining.addAndGet(-missed);
            } while (missed != 0);
        }

        @Override
        public void cancel() {
            if (!done) {
                done = true;
                onEnd.run();
            }
        }

        private void end(Throwable error) {
            if (done) {
                return;
            }
            done = true;
            onEnd.run();
            if (error == null) {
                subscriber.onComplete();
            } else {
                subscriber.onError(error);
            }
        }
    }
}
