package dev.apiary.spi;

import dev.apiary.JobOptions;
import dev.apiary.JobResult;
import dev.apiary.JobStatus;
import dev.apiary.flow.FlowView;
import dev.apiary.QueueLimits;

import java.time.Instant;
import java.util.Collection;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * A durable (or in-memory) store of one queue's jobs: what applications push to and workers claim from.
 * Semantics are at-least-once: a job may run again after a crash, never while another worker holds it.
 *
 * @param <T> the payload type
 */
public interface JobStorage<T> extends JobSource<T> {

    /** The payload type of this queue. */
    Class<T> payloadType();

    /** Pushes a job to run now with default options, and returns its id. */
    default String push(T payload) {
        return push(payload, JobOptions.defaults());
    }

    /**
     * Pushes a job and returns its id. Where the storage is transactional, the push joins the caller's transaction.
     * With a unique key that is already held by a job that is not final, no job is added and that job's id is
     * returned.
     */
    String push(T payload, JobOptions options);

    /**
     * Pushes a job whose payload is already encoded as JSON, and returns its id. The text is checked by decoding it
     * into {@link #payloadType()} with the storage's codec ({@link PayloadCodec#check}) and stored as it is.
     *
     * @throws dev.apiary.CodecException when the text is not JSON or not a valid payload; nothing is stored
     */
    default String pushJson(String json, JobOptions options) {
        throw unsupported("pushJson");
    }

    /** Pushes many jobs with the same options, in one batch where the storage can, and returns their ids in order. */
    List<String> pushAll(List<? extends T> payloads, JobOptions options);

    /** Pushes a job that is not due before {@code at}. */
    default String schedule(T payload, Instant at) {
        return push(payload, JobOptions.defaults().withRunAt(at));
    }

    /** One job as stored, or empty when there is no job with that id in this queue. */
    Optional<StoredJob<T>> find(String id);

    /**
     * A job's status and, once it is done, its result decoded into {@code type} with the storage's codec
     * ({@code RawJson} and JSON-P types read the stored JSON as it is); empty when there is no job with that id in
     * this queue. A done job that returned no result has a {@code null} value.
     *
     * @throws dev.apiary.CodecException when the stored result cannot be decoded into {@code type}
     */
    default <R> Optional<JobResult<R>> result(String id, Class<R> type) {
        throw unsupported("result");
    }

    /**
     * The status of each job of {@code ids} that is in this queue; ids of no job here are left out. Awaiting jobs
     * asks it after every completion signal, so a storage answers with one query where it can.
     */
    default Map<String, JobStatus> statuses(Collection<String> ids) {
        Map<String, JobStatus> statuses = new LinkedHashMap<>();
        for (String id : ids) {
            find(id).ifPresent(job -> statuses.put(id, job.status()));
        }
        return statuses;
    }

    /**
     * Calls {@code listener} whenever jobs of this queue may have become final (done, failed, killed, cancelled):
     * after a settle, kill or cancel through this storage and, where the storage can tell, on another node (a
     * PostgreSQL notification). A call may come for jobs nobody waits for, and a storage that cannot tell about other
     * nodes never calls for them: awaiting also polls, as a fallback. The returned handle stops the calls.
     */
    default AutoCloseable onFinished(Runnable listener) {
        return () -> { };
    }

    /** How many jobs of this queue are in each status; every status is present. */
    Map<JobStatus, Long> counts();

    /** A page of this queue's jobs, newest first, optionally of one status. */
    JobPage<T> list(JobQuery query);

    /**
     * Makes a failed, killed or pending job run again as soon as possible with a fresh attempt budget.
     *
     * @return false when there is no such job or it is running or done
     */
    boolean requeue(String id);

    /**
     * Kills a pending or running job: it will not run again. A running attempt's own outcome is then ignored.
     *
     * @return false when there is no such job or it is already final
     */
    boolean kill(String id, String reason);

    /**
     * Cancels a pending or running job: it ends {@link JobStatus#CANCELLED} at once, with {@code by} and
     * {@code reason} recorded, and never runs again. A running job's node learns of it through the storage's
     * wake-ups or, at the latest, its next heartbeat (see {@link JobSource#cancelled}), and interrupts the handler;
     * that attempt's own outcome is ignored. A job that already ended keeps its outcome.
     *
     * @param by     who cancels (a user name), or {@code null}
     * @param reason why, or {@code null}
     * @return false when there is no such job or it is already final
     */
    default boolean cancel(String id, String by, String reason) {
        throw unsupported("cancel");
    }

    /** The newest job pushed with {@code uniqueKey}, or empty. */
    default Optional<StoredJob<T>> findByUniqueKey(String uniqueKey) {
        throw unsupported("findByUniqueKey");
    }

    /** Jobs whose metadata maps {@code key} to {@code value}, newest first, at most {@code limit}. */
    default List<StoredJob<T>> findByMetadata(String key, String value, int limit) {
        throw unsupported("findByMetadata");
    }

    /**
     * Removes a job that is not running.
     *
     * @return false when there is no such job or it is running
     */
    default boolean delete(String id) {
        throw unsupported("delete");
    }

    /**
     * {@link #requeue Requeues} every job of this queue in {@code status} (pending, failed or killed).
     *
     * @return how many were requeued
     */
    default int requeueAll(JobStatus status) {
        throw unsupported("requeueAll");
    }

    /**
     * {@link #kill Kills} every job of this queue in {@code status} (pending or running).
     *
     * @return how many were killed
     */
    default int killAll(JobStatus status, String reason) {
        throw unsupported("killAll");
    }

    /**
     * Removes every job of this queue in {@code status}, which must not be running.
     *
     * @return how many were removed
     */
    default int deleteAll(JobStatus status) {
        throw unsupported("deleteAll");
    }

    /**
     * How many jobs of this queue ended in each minute since {@code since}, oldest first; minutes in which none
     * ended are left out.
     */
    default List<Throughput> throughput(Instant since) {
        return List.of();
    }

    /**
     * The worker instances that heartbeat through this queue on any node, with what they last reported. Rows of
     * instances that have not been seen for the storage's worker retention are purged.
     */
    default List<WorkerRecord> workers() {
        return List.of();
    }

    /**
     * Removes jobs that ended (done, failed, killed, cancelled) before {@code before}.
     *
     * @return how many were removed
     */
    int purgeFinished(Instant before);

    /**
     * Where this storage keeps the state of recurring schedules that push to its queue, or empty when it keeps none
     * (then schedules cannot push to it).
     */
    default Optional<ScheduleStore<T>> scheduleStore() {
        return Optional.empty();
    }

    /**
     * Pauses this queue on every node that shares the storage: from the moment this returns, no claim of the queue
     * takes a job. Jobs already running finish; pushes are kept. The pause is stored with the jobs and outlives
     * restarts until {@link #resume}. Pausing a paused queue changes nothing.
     */
    default void pause() {
        throw unsupported("pause");
    }

    /**
     * Ends a {@link #pause}: claims take jobs again, and idle workers are woken at once on every node the storage
     * can notify (otherwise at their next poll).
     */
    default void resume() {
        throw unsupported("resume");
    }

    /** Whether this queue is {@linkplain #pause paused}, as stored now. */
    default boolean isPaused() {
        return false;
    }

    /**
     * Stores every job of a flow in one transaction: steps without parents pending, the others
     * {@link JobStatus#WAITING} until the jobs they wait for finish, which the storage then does in the transaction
     * that settles the last of them. The steps' storages must be of this storage's kind and database.
     *
     * @return the id of each step's job, by step name
     */
    default Map<String, String> startFlow(FlowPlan plan) {
        throw unsupported("flows (chains, batches, workflows)");
    }

    /** The flow with that id as stored now, or empty. */
    default Optional<FlowView> flow(String flowId) {
        return Optional.empty();
    }

    /**
     * Sets this queue's cluster-wide {@link QueueLimits}, which every later {@link #claim} on this node honours;
     * jobs pushed from now on carry their partition key. Every node of the queue must set the same limits, before
     * its workers start; counts and rate periods are kept in the storage, so nodes share them.
     *
     * @throws UnsupportedOperationException when this storage cannot enforce limits
     */
    default void limit(QueueLimits limits) {
        throw unsupported("limit");
    }

    /** The limits set with {@link #limit}, or {@link QueueLimits#none()}. */
    default QueueLimits limits() {
        return QueueLimits.none();
    }

    /** Whether the storage can be reached now (used by readiness checks). */
    default boolean isAvailable() {
        return true;
    }

    private UnsupportedOperationException unsupported(String operation) {
        return new UnsupportedOperationException("The job storage " + getClass().getName() + " of queue '" + queue()
                + "' does not support " + operation + "; use the in-memory or JPA storage, or implement it");
    }
}
