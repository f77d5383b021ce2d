package dev.apiary.impl.mq;

import dev.apiary.Job;
import dev.apiary.JobContext;
import dev.apiary.JobStatus;
import dev.apiary.spi.JobSource;
import dev.apiary.spi.MessageQueue;
import dev.apiary.spi.Settlement;

import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.logging.Logger;

/**
 * A {@link MessageQueue} as a worker's {@link JobSource}: a delivery is an attempt, an ack ends the message, a nack
 * asks for redelivery. The broker owns the message's fate after a crash (its own visibility timeout or
 * redelivery), so heartbeats and orphan recovery are the broker's, not this adapter's.
 */
public final class MessageQueueSource<T> implements JobSource<T> {

    private static final Logger LOG = Logger.getLogger(MessageQueueSource.class.getName());

    private final MessageQueue<T> queue;
    private final int maxAttempts;

    public MessageQueueSource(MessageQueue<T> queue, int maxAttempts) {
        if (maxAttempts < 1) {
            throw new IllegalArgumentException("maxAttempts must be at least 1, was " + maxAttempts);
        }
        this.queue = queue;
        this.maxAttempts = maxAttempts;
    }

    @Override
    public String queue() {
        return queue.queue();
    }

    @Override
    public List<Job<T>> claim(String workerId, int max) {
        List<Job<T>> jobs = new ArrayList<>();
        Instant now = Instant.now();
        for (MessageQueue.Message<T> m : queue.dequeue(max)) {
            if (m.deliveries() > maxAttempts) {
                // a message that keeps coming back (a poison message, or a worker that dies on it) ends here
                LOG.warning(() -> "Message " + m.id() + " of queue '" + queue.queue() + "' was delivered "
                        + m.deliveries() + " times, more than its " + maxAttempts + " attempts; acked as failed");
                queue.ack(m.id());
                continue;
            }
            jobs.add(new Job<>(m.payload(), new JobContext(m.id(), queue.queue(), m.deliveries(), maxAttempts, now, 0,
                    now, workerId, Map.of())));
        }
        return jobs;
    }

    @Override
    public void settle(List<Settlement> settlements) {
        for (Settlement s : settlements) {
            String id = s.job().id();
            if (s.status() == JobStatus.PENDING) {
                queue.nack(id);
            } else {
                if (s.status() == JobStatus.FAILED) {
                    LOG.warning(() -> "Message " + id + " of queue '" + queue.queue() + "' failed on its last attempt "
                            + "and is acked; route it to a dead-letter queue in the handler if it must be kept");
                }
                queue.ack(id);
            }
        }
    }

    @Override
    public void release(String workerId, List<String> jobIds) {
        for (String id : jobIds) {
            queue.nack(id);
        }
    }
}
