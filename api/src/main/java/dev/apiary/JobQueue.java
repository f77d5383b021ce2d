package dev.apiary;

import java.time.Duration;
import java.time.Instant;
import java.util.Collection;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CompletionStage;

/**
 * Where application code enqueues jobs of one queue: the push side of a {@code JobStorage}, without the worker
 * side. In a CDI application, inject it typed by payload (and qualified with {@code @Queue} when several queues carry
 * the same payload type); it pushes to the {@code JobStorage<T>} bean with the same type and qualifiers.
 *
 * <pre>{@code
 * @Inject JobQueue<Email> emails;
 *
 * emails.push(new Email("a@example.com", "Welcome"));
 * emails.push(new Email("b@example.com", "Reminder"), JobOptions.defaults().withPriority(5).withMaxAttempts(10));
 * emails.schedule(new Email("c@example.com", "Later"), Duration.ofHours(1));
 * emails.pushJson("{\"to\":\"d@example.com\",\"subject\":\"From elsewhere\"}");
 * }</pre>
 *
 * Where the storage is transactional, a push joins the caller's transaction.
 *
 * @param <T> the payload type
 */
public interface JobQueue<T> {

    /** The queue's name, as the storage knows it. */
    String name();

    /** Pushes a job to run now with default options and returns its id. */
    String push(T payload);

    /**
     * Pushes a job with options (run-at, priority, attempts, unique key, metadata) and returns its id; with a unique
     * key already held by a job that is not final, returns that job's id and adds nothing.
     */
    String push(T payload, JobOptions options);

    /** Pushes many jobs with default options, in one batch where the storage can, and returns their ids in order. */
    List<String> pushAll(List<? extends T> payloads);

    /** Pushes many jobs with the same options and returns their ids in order. */
    List<String> pushAll(List<? extends T> payloads, JobOptions options);

    /**
     * Pushes a job whose payload is already encoded as JSON (by another system or language) and returns its id. The
     * text is checked by decoding it into the queue's payload type with the queue's codec and, when it decodes, stored
     * as it is, not encoded again.
     *
     * @throws CodecException when the text is not JSON or not a valid value of the payload type; nothing is stored
     */
    default String pushJson(String json) {
        return pushJson(json, JobOptions.defaults());
    }

    /** {@link #pushJson(String) Pushes an encoded payload} with options, as {@link #push(Object, JobOptions)} does. */
    String pushJson(String json, JobOptions options);

    /** Pushes a job that is not due before {@code at}. */
    String schedule(T payload, Instant at);

    /** Pushes a job that is not due before {@code delay} from now. */
    String schedule(T payload, Duration delay);

    /**
     * A job's status and, once it is done, its result decoded into {@code type}; empty when there is no job with that
     * id in this queue.
     *
     * @throws CodecException when the stored result does not decode into {@code type}
     * @throws UnsupportedOperationException when the queue keeps no results (a message queue)
     */
    default <R> Optional<JobResult<R>> result(String id, Class<R> type) {
        throw new UnsupportedOperationException("Queue '" + name() + "' keeps no job results: " + this);
    }

    /**
     * Waits, without holding a thread, until the job is final (done, failed, killed or cancelled) and completes with
     * its {@link JobResult}; a failed job completes the stage normally, with its status and error. Woken by the
     * completion itself on any node; completes exceptionally with {@link AwaitTimeoutException} after
     * {@code timeout} and {@link JobNotFoundException} for an unknown id. See {@code Monitor.await}.
     *
     * @throws UnsupportedOperationException when the queue keeps no results (a message queue)
     */
    default <R> CompletionStage<JobResult<R>> await(String id, Class<R> type, Duration timeout) {
        throw new UnsupportedOperationException("Queue '" + name() + "' keeps no job results: " + this);
    }

    /**
     * Waits until every job of {@code ids} is final and completes with their results in the order of {@code ids}, or
     * exceptionally with {@link AwaitTimeoutException} naming those still unfinished after {@code timeout}.
     *
     * @throws UnsupportedOperationException when the queue keeps no results (a message queue)
     */
    default <R> CompletionStage<List<JobResult<R>>> awaitAll(Collection<String> ids, Class<R> type,
                                                             Duration timeout) {
        throw new UnsupportedOperationException("Queue '" + name() + "' keeps no job results: " + this);
    }
}
