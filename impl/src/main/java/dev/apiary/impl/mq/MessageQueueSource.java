package dev.apiary.impl.mq;

import dev.apiary.Job;
import dev.apiary.JobContext;
import dev.apiary.spi.JobSource;
import dev.apiary.spi.MessageQueue;
import dev.apiary.spi.MessageQueue.Delivery;
import dev.apiary.spi.Settlement;

import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.CopyOnWriteArraySet;
import java.util.concurrent.Executor;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.logging.Level;
import java.util.logging.Logger;

/**
 * A {@link MessageQueue} as a worker's {@link JobSource}. The queue pushes deliveries as they arrive and wakes the
 * worker; a claim hands over what arrived and asks the queue for as many more as the claim had free slots, so no
 * more messages are taken than slots are free. A delivery is an attempt; settling maps each outcome to one call on
 * the delivery's own handle: done acks, a retry re-delivers at its instant while attempts remain, a kill or a failure
 * after the last attempt dead-letters. A crash leaves unsettled deliveries to the broker, which delivers them again
 * (at least once), so heartbeats and orphan recovery are the broker's, not this adapter's.
 */
public final class MessageQueueSource<T> implements JobSource<T>, MessageQueue.Receiver<T> {

    private static final Logger LOG = Logger.getLogger(MessageQueueSource.class.getName());

    private final MessageQueue<T> queue;
    /** Delivered, not yet claimed. */
    private final ConcurrentLinkedQueue<Delivery<T>> arrived = new ConcurrentLinkedQueue<>();
    /** Claimed by a worker, not yet settled, by job id. */
    private final Map<String, Delivery<T>> held = new ConcurrentHashMap<>();
    /** Requested from the queue and not yet delivered. */
    private final AtomicInteger outstanding = new AtomicInteger();
    /** Results of done jobs that this source could not keep. */
    private final AtomicInteger droppedResults = new AtomicInteger();
    private final Set<Runnable> wakeups = new CopyOnWriteArraySet<>();
    private MessageQueue.Consumption consumption;
    private volatile boolean complete;
    /** The consuming monitor's executors, given before the first claim; the queue's consumers and timers use them. */
    private volatile Executor executor;
    private volatile ScheduledExecutorService scheduler;

    public MessageQueueSource(MessageQueue<T> queue) {
        this.queue = queue;
    }

    @Override
    public String toString() {
        return "arrived=" + arrived.size() + " held=" + held.size() + " outstanding=" + outstanding.get();
    }

    @Override
    public String queue() {
        return queue.queue();
    }

    @Override
    public void useExecutors(Executor executor, ScheduledExecutorService scheduler) {
        this.executor = executor;
        this.scheduler = scheduler;
    }

    @Override
    public Executor executor() {
        Executor e = executor;
        if (e == null) {
            throw new IllegalStateException("queue '" + queue.queue() + "' is consumed by no worker yet");
        }
        return e;
    }

    @Override
    public ScheduledExecutorService scheduler() {
        ScheduledExecutorService s = scheduler;
        if (s == null) {
            throw new IllegalStateException("queue '" + queue.queue() + "' is consumed by no worker yet");
        }
        return s;
    }

    @Override
    public List<Job<T>> claim(String workerId, int max) {
        MessageQueue.Consumption c = openConsumption();
        if (c == null) {
            return List.of();
        }
        List<Job<T>> jobs = new ArrayList<>();
        Delivery<T> d;
        while (jobs.size() < max && (d = arrived.poll()) != null) {
            held.put(d.id(), d);
            jobs.add(new Job<>(d.payload(), new JobContext(d.id(), queue.queue(), d.attempt(), d.maxAttempts(),
                    Instant.now(), d.priority(), d.enqueuedAt(), workerId, d.metadata())));
        }
        int more = max - jobs.size() - outstanding.get() - arrived.size();
        if (more > 0 && !complete) {
            outstanding.addAndGet(more);
            c.request(more);
        }
        return jobs;
    }

    @Override
    public void onDelivery(Delivery<T> delivery) {
        // a queue may deliver unasked what it keeps itself (a stream's retries), so never count below zero
        outstanding.updateAndGet(n -> Math.max(0, n - 1));
        if (delivery.attempt() > delivery.maxAttempts()) {
            // delivered again after its last attempt was lost with its consumer (a message that kills workers)
            String reason = "delivered for attempt " + delivery.attempt() + " of " + delivery.maxAttempts()
                    + ": its last attempt was lost with a consumer that stopped without settling it";
            LOG.warning(() -> "Message " + delivery.id() + " of queue '" + queue.queue() + "' " + reason
                    + "; dead-lettered without running");
            delivery.deadLetter(reason);
            outstanding.incrementAndGet();
            MessageQueue.Consumption c = openConsumption();
            if (c != null) {
                c.request(1);
            }
            return;
        }
        arrived.add(delivery);
        wakeAll();
    }

    @Override
    public void onComplete() {
        complete = true;
        wakeAll();
    }

    private void wakeAll() {
        for (Runnable wakeup : wakeups) {
            wakeup.run();
        }
    }

    @Override
    public boolean isExhausted() {
        return complete && arrived.isEmpty() && held.isEmpty();
    }

    @Override
    public void settle(List<Settlement> settlements) {
        for (Settlement s : settlements) {
            Delivery<T> d = held.remove(s.job().id());
            if (d == null) {
                continue;
            }
            // the settlement has decided: a retry on the last attempt is already a failure
            if (s.result() != null) {
                droppedResult(s);
            }
            switch (s.status()) {
                case DONE -> d.ack();
                case PENDING -> d.retry(s.runAt(), s.error());
                case KILLED -> d.deadLetter("killed: " + s.error());
                default -> d.deadLetter("failed on its last attempt: " + s.error());
            }
        }
        // settled deliveries are slots the worker can fill again, and only a claim asks the queue for more
        if (!settlements.isEmpty()) {
            wakeAll();
        }
    }

    /**
     * A broker or a stream keeps no result: acknowledging the message is all a done job leaves. Said at WARNING for
     * the first result of this source, so that a handler written for a storage is noticed, and at FINE afterwards.
     */
    private void droppedResult(Settlement s) {
        boolean first = droppedResults.getAndIncrement() == 0;
        LOG.log(first ? Level.WARNING : Level.FINE, () -> "Job " + s.job().id() + " of queue '" + queue.queue()
                + "' returned a result (a " + s.result().getClass().getName() + "), which is not kept: the queue is a"
                + " message queue or stream, which keeps no results (only a JobStorage does). Send it on from the"
                + " handler (push it to a storage's queue), or consume this queue from a JobStorage"
                + (first ? "; further results of this queue are logged at FINE" : ""));
    }

    @Override
    public void release(String workerId, List<String> jobIds) {
        for (String id : jobIds) {
            Delivery<T> d = held.remove(id);
            if (d != null) {
                d.release();
            }
        }
    }

    @Override
    public AutoCloseable onAvailable(Runnable wakeup) {
        wakeups.add(wakeup);
        openConsumption();
        return () -> {
            wakeups.remove(wakeup);
            if (wakeups.isEmpty()) {
                stopConsuming();
            }
        };
    }

    /** The running consumption, opened on first use; null when no worker consumes (they all stopped). */
    private synchronized MessageQueue.Consumption openConsumption() {
        if (wakeups.isEmpty()) {
            return consumption;
        }
        if (consumption == null) {
            consumption = queue.open(this);
        }
        return consumption;
    }

    /** The last worker stops: take no more messages and hand back those delivered but never claimed. */
    private synchronized void stopConsuming() {
        if (consumption == null) {
            return;
        }
        try {
            consumption.close();
        } catch (RuntimeException e) {
            LOG.log(Level.WARNING, "Closing the consumer of queue '" + queue.queue() + "' failed", e);
        }
        consumption = null;
        outstanding.set(0);
        List<Delivery<T>> unclaimed = new ArrayList<>(arrived);
        arrived.removeAll(unclaimed);
        for (Delivery<T> d : unclaimed) {
            d.release();
        }
    }
}
