package dev.apiary.spi;

import java.util.Optional;
import java.util.function.Function;

/**
 * Builds the storage of a worker's queue when the application produces no {@code JobStorage<T>} bean for it. A
 * storage module lists its implementation in {@code META-INF/services/dev.apiary.spi.DefaultStorageFactory}; the
 * runtime adds that class as an application-scoped CDI bean, so it may use resource injection.
 */
public interface DefaultStorageFactory {

    /**
     * The storage of {@code queue}, whose payloads decode to {@code payloadType}.
     *
     * @param config the raw value of an {@code apiary.*} key, if set
     * @throws dev.apiary.ConfigurationException when the storage cannot be built, saying what to set or add
     */
    <T> JobStorage<T> create(String queue, Class<T> payloadType, Function<String, Optional<String>> config);

    /** Releases what {@link #create} opened for {@code storage} (threads, connections). */
    default void destroy(JobStorage<?> storage) {
        if (storage instanceof AutoCloseable closeable) {
            try {
                closeable.close();
            } catch (Exception e) {
                throw new dev.apiary.StorageException("Cannot close the storage of queue '" + storage.queue() + "'",
                        e);
            }
        }
    }
}
