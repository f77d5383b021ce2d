package dev.apiary.impl.cdi;

import dev.apiary.worker.WorkerEvent;
import dev.apiary.worker.WorkerListener;
import jakarta.enterprise.event.Event;
import jakarta.enterprise.inject.spi.BeanManager;
import jakarta.enterprise.inject.spi.ObserverMethod;

import java.time.Instant;
import java.util.Optional;
import java.util.Set;
import java.util.logging.Level;
import java.util.logging.Logger;

/**
 * Fires every worker event as a CDI event, synchronously to {@code @Observes} observers (on the worker's thread)
 * and asynchronously to {@code @ObservesAsync} ones. Exists only when the application observes {@link WorkerEvent}:
 * without observers no event is built.
 */
final class CdiWorkerEvents implements WorkerListener {

    private static final Logger LOG = Logger.getLogger(CdiWorkerEvents.class.getName());

    private final Event<WorkerEvent> events;
    private final boolean sync;
    private final boolean async;

    private CdiWorkerEvents(Event<WorkerEvent> events, boolean sync, boolean async) {
        this.events = events;
        this.sync = sync;
        this.async = async;
    }

    /** A listener that fires to the application's observers, or empty when it has none. */
    static Optional<WorkerListener> forObserversIn(BeanManager beanManager) {
        WorkerEvent probe = new WorkerEvent(WorkerEvent.Kind.STARTED, "", "", Instant.EPOCH, null, null, null);
        Set<ObserverMethod<? super WorkerEvent>> observers = beanManager.resolveObserverMethods(probe);
        boolean sync = observers.stream().anyMatch(o -> !o.isAsync());
        boolean async = observers.stream().anyMatch(ObserverMethod::isAsync);
        if (!sync && !async) {
            return Optional.empty();
        }
        return Optional.of(new CdiWorkerEvents(beanManager.getEvent().select(WorkerEvent.class), sync, async));
    }

    @Override
    public void onEvent(WorkerEvent event) {
        if (sync) {
            events.fire(event);
        }
        if (async) {
            events.fireAsync(event).exceptionally(e -> {
                LOG.log(Level.WARNING, "An @ObservesAsync observer of WorkerEvent failed on " + event.kind() + " of "
                        + event.instanceId(), e);
                return event;
            });
        }
    }
}
