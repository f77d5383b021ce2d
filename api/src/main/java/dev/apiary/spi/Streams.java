package dev.apiary.spi;

import dev.apiary.JobOptions;

import java.util.Iterator;
import java.util.Objects;
import java.util.concurrent.Flow;
import java.util.stream.Stream;

/**
 * Job sources over streams: a {@link Flow.Publisher}, an {@link Iterator} or a {@link Stream}. A worker requests
 * only as many items as it has free slots; each item is a job, retried in memory at its retry instant while attempts
 * remain; when the stream completes and its last job is settled, the worker stops. Items are not durable: what is
 * not done when the process ends is lost.
 */
public final class Streams {

    private Streams() {
    }

    /** A source over a publisher; each item gets {@link JobOptions#DEFAULT_MAX_ATTEMPTS} attempts. */
    public static <T> JobSource<T> source(String queue, Flow.Publisher<? extends T> publisher) {
        return source(queue, publisher, JobOptions.DEFAULT_MAX_ATTEMPTS);
    }

    /** A source over a publisher, with {@code maxAttempts} attempts per item. */
    public static <T> JobSource<T> source(String queue, Flow.Publisher<? extends T> publisher, int maxAttempts) {
        Objects.requireNonNull(publisher, "publisher");
        return ApiaryProvider.instance().<T>publisherQueue(queue, publisher, maxAttempts).asSource();
    }

    /**
     * A source over an iterator, read on demand on the worker's polling thread (so a blocking iterator holds that
     * thread while it blocks).
     */
    public static <T> JobSource<T> source(String queue, Iterator<? extends T> items) {
        return source(queue, publisher(items));
    }

    /** A source over a stream, read on demand like an iterator; the stream is closed when it ends. */
    public static <T> JobSource<T> source(String queue, Stream<? extends T> items) {
        Iterator<? extends T> it = items.iterator();
        return source(queue, publisher(it, items::close));
    }

    /** A publisher that emits an iterator's items as they are requested, to one subscriber. */
    public static <T> Flow.Publisher<T> publisher(Iterator<? extends T> items) {
        return publisher(items, () -> { });
    }

    private static <T> Flow.Publisher<T> publisher(Iterator<? extends T> items, Runnable onEnd) {
        Objects.requireNonNull(items, "items");
        return new IteratorPublisher<>(items, onEnd);
    }
}
