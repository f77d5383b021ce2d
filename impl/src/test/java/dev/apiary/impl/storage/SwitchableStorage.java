package dev.apiary.impl.storage;

import dev.apiary.Job;
import dev.apiary.JobOptions;
import dev.apiary.JobStatus;
import dev.apiary.StorageException;
import dev.apiary.spi.InMemory;
import dev.apiary.spi.JobPage;
import dev.apiary.spi.JobQuery;
import dev.apiary.spi.JobStorage;
import dev.apiary.spi.Settlement;
import dev.apiary.spi.StoredJob;

import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;

/**
 * The in-memory storage with two faults a test can switch on: unreachable (every worker call throws, as a lost
 * database would, and {@link #isAvailable()} says so) and stalled (a claim hangs, as on a locked table, until
 * released).
 */
public final class SwitchableStorage<T> implements JobStorage<T> {

    private final JobStorage<T> delegate;
    private volatile boolean reachable = true;
    private volatile CountDownLatch stall;
    private volatile CountDownLatch stallHeartbeats;

    public SwitchableStorage(String queue, Class<T> type) {
        this(InMemory.storage(queue, type));
    }

    /** The faults in front of {@code delegate} (an in-memory storage on a manual clock, say). */
    public SwitchableStorage(JobStorage<T> delegate) {
        this.delegate = delegate;
    }

    public void reachable(boolean value) {
        reachable = value;
    }

    /** Claims from now on hang until {@link #release()}. */
    public void stall() {
        stall = new CountDownLatch(1);
    }

    /** Heartbeats from now on hang until {@link #release()}; claims go on. */
    public void stallHeartbeats() {
        stallHeartbeats = new CountDownLatch(1);
    }

    public void release() {
        for (CountDownLatch s : new CountDownLatch[] {stall, stallHeartbeats}) {
            if (s != null) {
                s.countDown();
            }
        }
        stall = null;
        stallHeartbeats = null;
    }

    private void check() {
        if (!reachable) {
            throw new StorageException("storage '" + queue() + "' is unreachable");
        }
    }

    @Override
    public String queue() {
        return delegate.queue();
    }

    @Override
    public Class<T> payloadType() {
        return delegate.payloadType();
    }

    @Override
    public String push(T payload, JobOptions options) {
        return delegate.push(payload, options);
    }

    @Override
    public List<String> pushAll(List<? extends T> payloads, JobOptions options) {
        return delegate.pushAll(payloads, options);
    }

    @Override
    public List<Job<T>> claim(String workerId, int max) {
        CountDownLatch s = stall;
        if (s != null) {
            try {
                s.await(30, TimeUnit.SECONDS);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }
        check();
        return delegate.claim(workerId, max);
    }

    @Override
    public void settle(List<Settlement> settlements) {
        check();
        delegate.settle(settlements);
    }

    @Override
    public void release(String workerId, List<String> jobIds) {
        delegate.release(workerId, jobIds);
    }

    @Override
    public void heartbeat(String workerId) {
        CountDownLatch s = stallHeartbeats;
        if (s != null) {
            try {
                s.await(30, TimeUnit.SECONDS);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }
        check();
        delegate.heartbeat(workerId);
    }

    @Override
    public int reenqueueOrphans(Duration lease) {
        check();
        return delegate.reenqueueOrphans(lease);
    }

    @Override
    public AutoCloseable onAvailable(Runnable wakeup) {
        return delegate.onAvailable(wakeup);
    }

    @Override
    public Optional<StoredJob<T>> find(String id) {
        return delegate.find(id);
    }

    @Override
    public Map<JobStatus, Long> counts() {
        return delegate.counts();
    }

    @Override
    public JobPage<T> list(JobQuery query) {
        return delegate.list(query);
    }

    @Override
    public boolean requeue(String id) {
        return delegate.requeue(id);
    }

    @Override
    public boolean kill(String id, String reason) {
        return delegate.kill(id, reason);
    }

    @Override
    public void pause() {
        delegate.pause();
    }

    @Override
    public void resume() {
        delegate.resume();
    }

    @Override
    public boolean isPaused() {
        return delegate.isPaused();
    }

    @Override
    public int purgeFinished(Instant before) {
        return delegate.purgeFinished(before);
    }

    @Override
    public boolean isAvailable() {
        return reachable;
    }
}
