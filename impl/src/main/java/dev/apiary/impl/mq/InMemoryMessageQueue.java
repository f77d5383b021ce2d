package dev.apiary.impl.mq;

import dev.apiary.JobOptions;
import dev.apiary.spi.JobIds;
import dev.apiary.spi.MessageQueue;

import java.time.Clock;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.PriorityQueue;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;

/**
 * A thread-safe in-memory {@link MessageQueue} with the whole contract: deliveries only on request, delayed sends
 * and retries (the consuming worker's scheduler wakes the queue when the earliest becomes due), hand-back without
 * counting the attempt, and a dead-letter list. For tests of message-driven workers.
 */
public final class InMemoryMessageQueue<T> implements MessageQueue<T> {

    private final String name;
    private final Clock clock;
    /** Waiting messages, earliest due first, then in send order; guarded by this. */
    private final PriorityQueue<Entry<T>> waiting = new PriorityQueue<>();
    private final List<DeadLetter<T>> deadLetters = new ArrayList<>();
    private int delivered;
    private long sequence;
    private Consumer consumer;

    public InMemoryMessageQueue(String name) {
        this(name, Clock.systemUTC());
    }

    public InMemoryMessageQueue(String name, Clock clock) {
        this.name = name;
        this.clock = clock;
    }

    @Override
    public String queue() {
        return name;
    }

    @Override
    public String send(T payload, JobOptions options) {
        Instant now = clock.instant();
        Instant due = options.runAt() == null ? now : options.runAt();
        String id = JobIds.next();
        offer(new Entry<>(id, payload, 1, options.maxAttempts(), now, options.metadata(), due));
        return id;
    }

    private void offer(Entry<T> e) {
        offer(e, null);
    }

    /** Adds a message; {@code settling}, when given, is settled in the same step, so size() never dips between. */
    private void offer(Entry<T> e, InMemoryDelivery settling) {
        synchronized (this) {
            if (settling != null) {
                settling.settle();
            }
            e.seq = sequence++;
            waiting.add(e);
        }
        deliverDue();
    }

    @Override
    public synchronized Consumption open(Receiver<T> receiver) {
        if (consumer != null) {
            throw new IllegalStateException("queue '" + name + "' already has a consumer; an in-memory queue has one");
        }
        consumer = new Consumer(receiver);
        return consumer;
    }

    /** Hands due messages to the consumer while it asks for more; deliveries happen outside the lock. */
    private void deliverDue() {
        while (true) {
            Consumer c;
            Entry<T> e;
            synchronized (this) {
                c = consumer;
                if (c == null || c.demand == 0 || waiting.isEmpty()) {
                    return;
                }
                if (waiting.peek().due.isAfter(clock.instant())) {
                    c.wakeAt(waiting.peek().due);
                    return;
                }
                e = waiting.poll();
                c.demand--;
                delivered++;
            }
            c.receiver.onDelivery(new InMemoryDelivery(e));
        }
    }

    /** Messages waiting (due or not) plus those delivered and not yet settled. */
    public synchronized int size() {
        return waiting.size() + delivered;
    }

    /** Messages delivered and not yet settled. */
    public synchronized int inFlight() {
        return delivered;
    }

    /** The messages moved to the dead-letter list, oldest first. */
    public synchronized List<DeadLetter<T>> deadLetters() {
        return List.copyOf(deadLetters);
    }

    /** A dead-lettered message: its payload, why and after how many attempts. */
    public record DeadLetter<T>(String id, T payload, String reason, int attempts) {
    }

    private final class Consumer implements Consumption {
        final Receiver<T> receiver;
        int demand;
        /** When the armed wake-up fires, and its task; guarded by the queue. */
        Instant wakeAt;
        ScheduledFuture<?> wakeUp;

        /** Arms a wake-up for {@code due} on the consumer's scheduler unless one fires earlier; under the queue's lock. */
        void wakeAt(Instant due) {
            if (wakeAt != null && !wakeAt.isAfter(due)) {
                return;
            }
            if (wakeUp != null) {
                wakeUp.cancel(false);
            }
            long delay = Math.max(0, java.time.Duration.between(clock.instant(), due).toNanos());
            try {
                wakeAt = due;
                wakeUp = receiver.scheduler().schedule(() -> {
                    synchronized (InMemoryMessageQueue.this) {
                        if (wakeAt == due) {
                            wakeAt = null;
                            wakeUp = null;
                        }
                    }
                    deliverDue();
                }, delay, TimeUnit.NANOSECONDS);
            } catch (RejectedExecutionException | UnsupportedOperationException noTimer) {
                // the consuming worker's monitor stops, or a receiver of a test has no scheduler: the message is
                // delivered at the next request or send after it is due
                wakeAt = null;
                wakeUp = null;
            }
        }

        Consumer(Receiver<T> receiver) {
            this.receiver = receiver;
        }

        @Override
        public void request(int n) {
            synchronized (InMemoryMessageQueue.this) {
                if (consumer != this) {
                    return;
                }
                demand += n;
            }
            deliverDue();
        }

        @Override
        public void close() {
            synchronized (InMemoryMessageQueue.this) {
                if (consumer == this) {
                    consumer = null;
                }
                if (wakeUp != null) {
                    wakeUp.cancel(false);
                    wakeUp = null;
                    wakeAt = null;
                }
            }
        }
    }

    private final class InMemoryDelivery implements Delivery<T> {
        private final Entry<T> e;
        private boolean settled;

        InMemoryDelivery(Entry<T> e) {
            this.e = e;
        }

        @Override
        public String id() {
            return e.id;
        }

        @Override
        public T payload() {
            return e.payload;
        }

        @Override
        public int attempt() {
            return e.attempt;
        }

        @Override
        public int maxAttempts() {
            return e.maxAttempts;
        }

        @Override
        public Instant enqueuedAt() {
            return e.enqueuedAt;
        }

        @Override
        public Map<String, String> metadata() {
            return e.metadata;
        }

        private void settle() {
            synchronized (InMemoryMessageQueue.this) {
                if (settled) {
                    throw new IllegalStateException("message " + e.id + " of queue '" + name + "' is settled already");
                }
                settled = true;
                delivered--;
            }
        }

        @Override
        public void ack() {
            settle();
        }

        @Override
        public void retry(Instant at, String error) {
            offer(new Entry<>(e.id, e.payload, e.attempt + 1, e.maxAttempts, e.enqueuedAt, e.metadata, at), this);
        }

        @Override
        public void deadLetter(String reason) {
            settle();
            synchronized (InMemoryMessageQueue.this) {
                deadLetters.add(new DeadLetter<>(e.id, e.payload, reason, e.attempt));
            }
        }

        @Override
        public void release() {
            offer(new Entry<>(e.id, e.payload, e.attempt, e.maxAttempts, e.enqueuedAt, e.metadata, clock.instant()),
                    this);
        }
    }

    private static final class Entry<T> implements Comparable<Entry<T>> {
        final String id;
        final T payload;
        final int attempt;
        final int maxAttempts;
        final Instant enqueuedAt;
        final Map<String, String> metadata;
        final Instant due;
        long seq;

        Entry(String id, T payload, int attempt, int maxAttempts, Instant enqueuedAt, Map<String, String> metadata,
              Instant due) {
            this.id = id;
            this.payload = payload;
            this.attempt = attempt;
            this.maxAttempts = maxAttempts;
            this.enqueuedAt = enqueuedAt;
            this.metadata = metadata;
            this.due = due;
        }

        @Override
        public int compareTo(Entry<T> o) {
            int c = due.compareTo(o.due);
            return c != 0 ? c : Long.compare(seq, o.seq);
        }
    }
}
