package dev.apiary.jpa;

import dev.apiary.JobStatus;
import dev.apiary.spi.JobPage;
import dev.apiary.spi.JobQuery;
import dev.apiary.spi.StoredJob;
import dev.apiary.spi.StoredText;
import dev.apiary.spi.Throughput;

import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.LocalDateTime;
import java.util.Collection;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;

/**
 * What an operator (the dashboard, a CLI) reads and does on the jobs of one queue: find, count, list, requeue, kill,
 * delete, throughput and purges. Each runs in a transaction of its own (or the caller's), without the worker loop's
 * timeouts.
 *
 * @param <T> the payload type
 */
final class Administration<T> {

    private final JobTable table;
    private final JobMapping<T> mapping;
    private final StorageTransactions transactions;
    private final WakeUps wakeUps;
    private final Clock clock;
    /** Passes a kill or cancel on to the flow steps waiting for the job, in the same transaction. */
    private final FlowTable flows;

    Administration(JobTable table, JobMapping<T> mapping, StorageTransactions transactions, WakeUps wakeUps,
                   Clock clock, FlowTable flows) {
        this.flows = flows;
        this.table = table;
        this.mapping = mapping;
        this.transactions = transactions;
        this.wakeUps = wakeUps;
        this.clock = clock;
    }

    Optional<StoredJob<T>> find(String id) {
        return transactions.run("find job " + id, em -> table.find(em, id).map(mapping::stored));
    }

    Map<JobStatus, Long> counts() {
        return transactions.run("count jobs", table::counts);
    }

    JobPage<T> list(JobQuery query) {
        return transactions.run("list jobs", em -> new JobPage<>(
                table.page(em, query.status(), query.offset(), query.limit()).stream().map(mapping::stored).toList(),
                table.count(em, query.status()), query.offset(), query.limit()));
    }

    boolean requeue(String id) {
        boolean requeued = transactions.run("requeue job " + id, em -> {
            boolean done = table.requeue(em, id, now());
            if (done) {
                table.notifyOtherNodes(em);
            }
            return done;
        });
        if (requeued) {
            wakeUps.wakeUp();
        }
        return requeued;
    }

    boolean kill(String id, String reason) {
        String stored = StoredText.error(reason);
        Set<String> released = new HashSet<>();
        boolean killed = transactions.run("kill job " + id, em -> {
            released.clear();
            boolean done = table.kill(em, id, stored, List.of(JobStatus.PENDING, JobStatus.RUNNING,
                    JobStatus.WAITING), now());
            if (done) {
                released.addAll(flows.finished(em, List.of(id), now()));
                table.notifyFinished(em);
            }
            return done;
        });
        released.forEach(WakeUps::wakeUpQueue);
        if (killed) {
            wakeUps.finished();
        }
        return killed;
    }

    boolean cancel(String id, String by, String reason) {
        String who = StoredText.clean(by, 200);
        String why = StoredText.error(reason);
        Set<String> released = new HashSet<>();
        boolean cancelled = transactions.run("cancel job " + id, em -> {
            released.clear();
            boolean done = table.cancel(em, id, who, why, now());
            if (done) {
                released.addAll(flows.finished(em, List.of(id), now()));
                // the node running it, if any, looks for cancels at a wake-up
                table.notifyOtherNodes(em);
                table.notifyFinished(em);
            }
            return done;
        });
        if (cancelled) {
            wakeUps.wakeUp();
            wakeUps.finished();
        }
        released.forEach(WakeUps::wakeUpQueue);
        return cancelled;
    }

    Set<String> cancelled(Collection<String> jobIds) {
        if (jobIds.isEmpty()) {
            return Set.of();
        }
        return transactions.run("find cancelled jobs", em -> new HashSet<>(table.cancelled(em, jobIds)));
    }

    Optional<StoredJob<T>> findByUniqueKey(String uniqueKey) {
        Objects.requireNonNull(uniqueKey, "uniqueKey");
        return transactions.run("find the job with unique key '" + uniqueKey + "'",
                em -> table.findByUniqueKey(em, uniqueKey).map(mapping::stored));
    }

    /** Matches the metadata's text in the database, then checks the decoded metadata of each row found. */
    List<StoredJob<T>> findByMetadata(String key, String value, int limit) {
        String inner = mapping.metadataPair(key, value);
        return transactions.run("find jobs by metadata '" + key + "'", em -> table.findByMetadataText(em, inner, limit)
                .stream().map(mapping::stored).filter(job -> value.equals(job.metadata().get(key))).toList());
    }

    boolean delete(String id) {
        boolean deleted = transactions.run("delete job " + id, em -> {
            boolean done = table.delete(em, id);
            if (done) {
                // a wait for it ends: the job is gone
                table.notifyFinished(em);
            }
            return done;
        });
        if (deleted) {
            wakeUps.finished();
        }
        return deleted;
    }

    Map<String, JobStatus> statuses(Collection<String> ids) {
        if (ids.isEmpty()) {
            return Map.of();
        }
        return transactions.run("read the status of " + ids.size() + " jobs", em -> table.statuses(em, ids));
    }

    int requeueAll(JobStatus status) {
        if (status == JobStatus.RUNNING || status == JobStatus.DONE) {
            return 0;
        }
        int requeued = transactions.run("requeue the " + status + " jobs", em -> {
            int count = table.requeueAll(em, status, now());
            if (count > 0) {
                table.notifyOtherNodes(em);
            }
            return count;
        });
        if (requeued > 0) {
            wakeUps.wakeUp();
        }
        return requeued;
    }

    int killAll(JobStatus status, String reason) {
        if (status.isFinal()) {
            return 0;
        }
        String stored = StoredText.error(reason);
        int killed = transactions.run("kill the " + status + " jobs", em -> {
            int count = table.killAll(em, status, stored, now());
            if (count > 0) {
                table.notifyFinished(em);
            }
            return count;
        });
        if (killed > 0) {
            wakeUps.finished();
        }
        return killed;
    }

    int deleteAll(JobStatus status) {
        if (status == JobStatus.RUNNING) {
            return 0;
        }
        return transactions.run("delete the " + status + " jobs", em -> table.deleteAll(em, status));
    }

    List<Throughput> throughput(Instant since) {
        Instant dayAgo = clock.instant().minus(Duration.ofDays(1)).plusSeconds(60);
        Instant from = since.isBefore(dayAgo) ? dayAgo : since;
        return transactions.run("count finished jobs per minute", em -> table.throughput(em, JobTable.utc(from)));
    }

    int purgeFinished(Instant before) {
        return transactions.run("purge finished jobs", em -> table.purgeFinishedBefore(em, JobTable.utc(before)));
    }

    private LocalDateTime now() {
        return JobTable.utc(clock.instant());
    }
}
