package dev.apiary;

import java.time.Duration;
import java.time.Instant;
import java.util.List;

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
}
