package dev.apiary.jpa;

import dev.apiary.CodecException;
import dev.apiary.Job;
import dev.apiary.JobContext;
import dev.apiary.JobStatus;
import dev.apiary.spi.FlowPlan;
import dev.apiary.spi.Settlement;
import dev.apiary.spi.StoredText;
import jakarta.persistence.EntityManager;

import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.LocalDateTime;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.IdentityHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.logging.Logger;

/**
 * The jobs workers hold, in the job storage of one queue: the claim that marks them running, the settle that writes
 * their outcome, the release that hands them back, their progress, and the sweep that recovers those of workers that
 * stopped heartbeating. Claims, settles and releases are retried when the database picked them as a deadlock
 * victim; all of these run within the storage's statement and lock timeouts.
 *
 * @param <T> the payload type
 */
final class HeldJobs<T> {

    /** The storage's logger: operators configure one name for the whole storage. */
    private static final Logger LOG = Logger.getLogger(JpaJobStorage.class.getName());

    private final String queue;
    private final Class<T> payloadType;
    private final JobTable table;
    private final JobMapping<T> mapping;
    private final StorageTransactions transactions;
    private final WakeUps wakeUps;
    private final CompletionNotices notices;
    private final Clock clock;
    /**
     * Per worker, the lock times of its claims that failed without telling whether they committed (a connection
     * that timed out waiting for the answer); their jobs are handed back by the worker's next claim that commits.
     */
    private final Map<String, Set<LocalDateTime>> unansweredClaims = new ConcurrentHashMap<>();

    /**
     * The lock time of each job this storage's claims handed out, until its settle or release: a settle of done jobs
     * is bounded by their lock times, so that PostgreSQL, when it reads the partial index of running jobs (queue,
     * lock time) for it, reads only the entries of those claims and not all of the queue's, which in a long drain
     * are mostly dead and took settles seconds. Every claim that hands a job out here writes its entry, so an entry
     * is always that of the attempt this node holds; a job without one is settled without the bound.
     */
    private final Map<String, LocalDateTime> lockTimes = new ConcurrentHashMap<>();
    /** Beyond this many entries (jobs that were never settled here), new claims record none. */
    private static final int MAX_LOCK_TIMES = 100_000;

    /** This node's name, recorded on each attempt claimed. */
    private final String node;
    /** Releases the flow steps that wait for settled jobs, in the settle's transaction. */
    private final FlowTable flows;

    HeldJobs(String queue, Class<T> payloadType, JobTable table, JobMapping<T> mapping,
             StorageTransactions transactions, WakeUps wakeUps, Clock clock, String node, FlowTable flows) {
        this.node = node;
        this.flows = flows;
        this.queue = queue;
        this.payloadType = payloadType;
        this.table = table;
        this.mapping = mapping;
        this.transactions = transactions;
        this.wakeUps = wakeUps;
        this.notices = new CompletionNotices(queue, table, transactions);
        this.clock = clock;
    }

    List<Job<T>> claim(String workerId, int max) {
        Objects.requireNonNull(workerId, "workerId");
        if (max <= 0) {
            return List.of();
        }
        boolean joined = transactions.joinsCaller();
        ClaimRound round = new ClaimRound();
        List<Job<T>> claimed;
        try {
            claimed = transactions.runRetrying("claim jobs for worker '" + workerId + "'",
                    transactions.bounded(em -> claim(em, workerId, max, joined, round)));
        } catch (RuntimeException e) {
            if (!joined) {
                // the commit may have happened with only its answer lost: then jobs run under this worker that it
                // never got, and its heartbeats would keep them from the orphan sweep for ever
                unansweredClaims.computeIfAbsent(workerId, k -> ConcurrentHashMap.newKeySet()).addAll(round.tried);
            }
            throw e;
        }
        if (lockTimes.size() < MAX_LOCK_TIMES) {
            round.lockTimes.forEach((id, lockedAt) -> {
                if (lockedAt != null) {
                    lockTimes.put(id, lockedAt);
                }
            });
        }
        if (!round.handedBack.isEmpty()) {
            unansweredClaims.computeIfPresent(workerId, (k, times) -> {
                times.removeAll(round.handedBack);
                return times.isEmpty() ? null : times;
            });
            int count = round.released;
            if (count > 0) {
                LOG.info(() -> "Handed back " + count + " jobs of queue '" + queue + "' that earlier claims of worker '"
                        + workerId + "' took while their answer was lost");
            }
        }
        return claimed;
    }

    /** One transaction of a claim: hands back what unanswered claims took, then claims and decodes. */
    private List<Job<T>> claim(EntityManager em, String workerId, int max, boolean joined, ClaimRound round) {
        round.handedBack = joined ? Set.of() : Set.copyOf(unansweredClaims.getOrDefault(workerId, Set.of()));
        round.released = round.handedBack.isEmpty() ? 0 : table.releaseUnanswered(em, workerId, round.handedBack);
        LocalDateTime now = now();
        round.tried.add(now);
        List<Job<T>> jobs = new ArrayList<>();
        List<String> undecodable = new ArrayList<>();
        round.lockTimes.clear();
        for (JobEntity row : table.claim(em, workerId, node, max, now)) {
            try {
                jobs.add(mapping.job(row));
                round.lockTimes.put(row.id, row.lockedAt);
            } catch (CodecException e) {
                table.kill(em, row.id, StoredText.error("Payload cannot be decoded, so the job can never run: "
                        + e.getMessage()), List.of(JobStatus.RUNNING), now);
                undecodable.add(row.id);
            }
        }
        if (!undecodable.isEmpty()) {
            // the steps waiting for them are cancelled (or released) now; other nodes learn of a release by NOTIFY
            // on PostgreSQL, or at their next poll
            flows.finished(em, undecodable, now);
            LOG.warning(() -> "Killed jobs " + undecodable + " of queue '" + queue + "' at claim: their payload "
                    + "cannot be decoded into " + payloadType.getName());
        }
        return jobs;
    }

    /** What the transactions of one claim call did (it may run more than one), read once the call ends. */
    private static final class ClaimRound {
        /** The lock time of every transaction tried. */
        final List<LocalDateTime> tried = new ArrayList<>();
        /** The lock time of each job the last transaction handed out. */
        final Map<String, LocalDateTime> lockTimes = new HashMap<>();
        /** The unanswered claims the last transaction handed back, and how many jobs that freed. */
        Set<LocalDateTime> handedBack = Set.of();
        int released;
    }

    /**
     * Done jobs without a result are written with one statement per run of them in id order (see below), usually one
     * per batch; a done job's result and other outcomes' error text and run-at take one statement per job.
     */
    void settle(List<Settlement> settlements) {
        if (settlements.isEmpty()) {
            return;
        }
        // encoded before the transaction: a result past the limit refuses the call before any SQL
        Map<Settlement, String> results = new IdentityHashMap<>();
        boolean finished = false;
        for (Settlement s : settlements) {
            if (s.result() != null) {
                results.put(s, mapping.result(s.result(), s.job()));
            }
            finished |= s.status().isFinal();
        }
        // in a caller's transaction the notice goes with its commit; else after the settle's (CompletionNotices)
        boolean joined = transactions.joinsCaller();
        boolean notifyInside = finished && joined;
        Set<String> released = new LinkedHashSet<>();
        boolean retried = transactions.runRetrying("settle " + settlements.size() + " jobs",
                transactions.bounded(em -> settle(em, settlements, results, notifyInside, released)));
        for (Settlement s : settlements) {
            lockTimes.remove(s.job().id());
        }
        if (retried) {
            wakeUps.wakeUp();
        }
        released.forEach(WakeUps::wakeUpQueue);
        if (finished) {
            wakeUps.finished();
            if (!joined) {
                notices.send();
            }
        }
    }

    /**
     * One transaction of a settle; whether it put a job back to pending. Steps of flows that wait for the jobs it
     * ends are released in it too, so that a crash neither loses nor repeats one; {@code released} gets their queues.
     *
     * <p>The jobs' rows are written in id order, the order in which a portable claim's update takes rows: a claim
     * whose update started before these jobs were claimed may still wait for, and then hold, one of their rows, and
     * a settle that took a later row first would wait for it while the claim waits for that later row (H2 reported
     * such deadlocks to a settle that ended a failed job before its done ones). So done jobs are written in runs of
     * consecutive ids, one statement per run, usually one for the whole batch.
     */
    private boolean settle(EntityManager em, List<Settlement> settlements, Map<Settlement, String> results,
                           boolean notifyFinished, Set<String> released) {
        LocalDateTime now = now();
        boolean pending = false;
        List<String> flowJobs = new ArrayList<>();
        released.clear();
        if (notifyFinished) {
            // delivered at the commit, so a waiter on any node reads the final state
            table.notifyFinished(em);
        }
        List<Settlement> inIdOrder = new ArrayList<>(settlements);
        inIdOrder.sort(Comparator.comparing(s -> s.job().id()));
        DoneRun run = new DoneRun();
        for (Settlement s : inIdOrder) {
            JobContext job = s.job();
            JobStatus next = s.status();
            if (next != JobStatus.PENDING && job.metadata().containsKey(FlowPlan.METADATA_KEY)) {
                flowJobs.add(job.id());
            }
            if (next == JobStatus.DONE && s.result() == null) {
                if (!run.add(job)) {
                    run.write(em, now);
                    run.add(job);
                }
                continue;
            }
            run.write(em, now);
            if (next == JobStatus.DONE) {
                table.settleDone(em, job, results.get(s), now);
            } else if (next == JobStatus.PENDING) {
                pending |= table.settleRetry(em, job, s.runAt(), StoredText.error(s.error()));
            } else {
                table.settleFinal(em, job, next, StoredText.error(s.error()), now);
            }
        }
        run.write(em, now);
        if (!flowJobs.isEmpty()) {
            released.addAll(flows.finished(em, flowJobs, now));
        }
        return pending;
    }

    /**
     * Done jobs without a result, of one holder and consecutive in id order: one statement, bounded by the earliest
     * and latest lock time of its jobs when each has one.
     */
    private final class DoneRun {
        private String workerId;
        private int attempt;
        private final List<String> ids = new ArrayList<>();
        private LocalDateTime lockedFrom;
        private LocalDateTime lockedTo;
        private boolean bounded;

        /** Adds the job unless the run holds another holder's jobs. */
        boolean add(JobContext job) {
            if (ids.isEmpty()) {
                workerId = job.workerId();
                attempt = job.attempt();
                bounded = true;
                lockedFrom = null;
                lockedTo = null;
            } else if (job.attempt() != attempt || !Objects.equals(job.workerId(), workerId)) {
                return false;
            }
            ids.add(job.id());
            LocalDateTime lockedAt = lockTimes.get(job.id());
            if (lockedAt == null) {
                bounded = false;
            } else {
                lockedFrom = lockedFrom == null || lockedAt.isBefore(lockedFrom) ? lockedAt : lockedFrom;
                lockedTo = lockedTo == null || lockedAt.isAfter(lockedTo) ? lockedAt : lockedTo;
            }
            return true;
        }

        void write(EntityManager em, LocalDateTime now) {
            if (!ids.isEmpty()) {
                table.settleDone(em, workerId, attempt, List.copyOf(ids), now, bounded ? lockedFrom : null,
                        bounded ? lockedTo : null);
                ids.clear();
            }
        }
    }

    void release(String workerId, List<String> jobIds) {
        if (jobIds.isEmpty()) {
            return;
        }
        jobIds.forEach(lockTimes::remove);
        int released = transactions.runRetrying("release jobs of worker '" + workerId + "'",
                transactions.bounded(em -> {
                    int count = table.release(em, workerId, jobIds);
                    if (count > 0) {
                        table.notifyOtherNodes(em);
                    }
                    return count;
                }));
        if (released > 0) {
            wakeUps.wakeUp();
        }
    }

    boolean progress(JobContext job, int percent, String message) {
        String stored = StoredText.progressMessage(message);
        return transactions.run("store the progress of job " + job.id(),
                transactions.bounded(em -> table.progress(em, job, percent, stored, now())));
    }

    /** Recovers running jobs locked before the lease whose worker has no heartbeat within it. */
    int reenqueueOrphans(Duration lease) {
        Instant now = clock.instant();
        LocalDateTime cutoff = JobTable.utc(now.minus(lease));
        Set<String> released = new LinkedHashSet<>();
        int reenqueued = transactions.run("reenqueue orphaned jobs", transactions.bounded(em -> {
            released.clear();
            int count = table.reenqueueOrphans(em, cutoff, JobTable.utc(now), "Reenqueued: its worker stopped "
                    + "heartbeating for longer than the lease of " + lease);
            if (count > 0) {
                table.notifyOtherNodes(em);
                // an orphan on its last attempt ended failed: its waiters are told, and the flow steps waiting for
                // it are cancelled (or released) in this transaction too
                released.addAll(flows.finishedInBulk(em, queue, JobTable.utc(now)));
                table.notifyFinished(em);
            }
            return count;
        }));
        if (reenqueued > 0) {
            wakeUps.wakeUp();
            wakeUps.finished();
        }
        released.forEach(WakeUps::wakeUpQueue);
        return reenqueued;
    }

    private LocalDateTime now() {
        return JobTable.utc(clock.instant());
    }
}
