package dev.apiary.reliability;

import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.locks.LockSupport;

/**
 * Samples a queue's running jobs from the database every few milliseconds on a thread of its own, keeping the most
 * seen at once in all and of any one partition key: what a limit must never let past it.
 */
final class RunningSampler implements AutoCloseable {

    private static final String SAMPLE = "SELECT COALESCE(SUM(n), 0), COALESCE(MAX(n) FILTER (WHERE k IS NOT NULL), 0)"
            + " FROM (SELECT partition_key AS k, COUNT(*) AS n FROM apiary_jobs WHERE queue = ? AND status = 'RUNNING'"
            + " GROUP BY partition_key) s";

    private final AtomicInteger maxRunning = new AtomicInteger();
    private final AtomicInteger maxOfOneKey = new AtomicInteger();
    private final AtomicLong samples = new AtomicLong();
    /** Running jobs summed over the samples from the first with a running job, and their count; by the thread. */
    private long busySum;
    private long busySamples;
    /** The two above as of the last sample with a running job, so that idle samples after a drain do not count. */
    private volatile long drainSum;
    private volatile long drainSamples;
    private volatile boolean resetAsked;
    private final Thread thread;
    private volatile boolean stopped;
    private volatile SQLException failure;

    RunningSampler(Cluster cluster, String queue, long everyMillis) throws SQLException {
        Connection connection = cluster.connect();
        thread = new Thread(() -> {
            try (connection; PreparedStatement s = connection.prepareStatement(SAMPLE)) {
                s.setString(1, queue);
                while (!stopped) {
                    if (resetAsked) {
                        resetAsked = false;
                        busySum = 0;
                        busySamples = 0;
                    }
                    try (ResultSet rs = s.executeQuery()) {
                        rs.next();
                        int running = rs.getInt(1);
                        maxRunning.accumulateAndGet(running, Math::max);
                        maxOfOneKey.accumulateAndGet(rs.getInt(2), Math::max);
                        if (running > 0 || busySamples > 0) {
                            busySum += running;
                            busySamples++;
                        }
                        if (running > 0) {
                            drainSum = busySum;
                            drainSamples = busySamples;
                        }
                    }
                    samples.incrementAndGet();
                    LockSupport.parkNanos(everyMillis * 1_000_000);
                }
            } catch (SQLException e) {
                failure = e;
            }
        }, "running-sampler");
        thread.setDaemon(true);
        thread.start();
    }

    /** The most jobs of the queue seen running at once since the last {@link #reset}. */
    int maxRunning() {
        return maxRunning.get();
    }

    /** The most jobs of one partition key seen running at once since the last {@link #reset}. */
    int maxOfOneKey() {
        return maxOfOneKey.get();
    }

    /**
     * The mean of the running jobs sampled from the first sample with a running job to the last, since the last
     * {@link #reset}: how many of a limit's slots a drain kept busy.
     */
    double meanRunning() {
        long n = drainSamples;
        return n == 0 ? 0 : (double) drainSum / n;
    }

    long samples() {
        return samples.get();
    }

    void reset() {
        maxRunning.set(0);
        maxOfOneKey.set(0);
        samples.set(0);
        drainSum = 0;
        drainSamples = 0;
        resetAsked = true;
    }

    @Override
    public void close() throws InterruptedException {
        stopped = true;
        thread.join(5000);
        if (failure != null) {
            throw new IllegalStateException("Sampling the running jobs failed", failure);
        }
    }
}
