package dev.apiary.impl.cdi;

import dev.apiary.JobHandler;
import dev.apiary.impl.config.WorkerSettings;
import dev.apiary.impl.monitor.DefaultMonitor;
import dev.apiary.impl.worker.DefaultWorkerBuilder;
import dev.apiary.spi.JobSource;
import dev.apiary.spi.JobStorage;
import dev.apiary.worker.WorkerBuilder;
import jakarta.enterprise.context.spi.CreationalContext;
import jakarta.enterprise.inject.spi.BeanManager;

import java.util.function.Supplier;

/**
 * Turns what the extension found into the monitor's parts: a worker for a {@code @JobWorker} bean, built from its
 * settings with the bean as handler, and a recurring schedule for a {@code @Recurring}.
 */
final class WorkerRegistration {

    private final DefaultMonitor monitor;
    private final BeanManager beanManager;

    WorkerRegistration(DefaultMonitor monitor, BeanManager beanManager) {
        this.monitor = monitor;
        this.beanManager = beanManager;
    }

    /** Registers the worker's instances, each built from its settings and taking its jobs from {@code source}. */
    @SuppressWarnings("unchecked")
    <T> void register(WorkerBean worker, WorkerSettings s, JobSource<?> source) {
        JobHandler<T> handler = new BeanHandler<>(beanManager, worker.bean(), worker.handlerType());
        monitor.register(s.instances(), index -> {
            WorkerBuilder<T> builder = new DefaultWorkerBuilder<>(s.name())
                    .source((JobSource<T>) source)
                    .concurrency(s.concurrency())
                    .pollInterval(s.pollInterval())
                    .maxPollInterval(s.maxPollInterval())
                    .heartbeatInterval(s.heartbeatInterval())
                    .lease(s.lease());
            if (s.prefetch().isPresent()) {
                builder = builder.prefetch(s.prefetch().getAsInt());
            }
            return builder.handler(handler);
        });
    }

    /** Schedules {@code recurring} into {@code storage}, each fire's payload from its bean or a new instance. */
    @SuppressWarnings("unchecked")
    <T> void schedule(RecurringBean recurring, JobStorage<?> storage) {
        Class<T> type = (Class<T>) recurring.worker().bean().payloadType();
        Supplier<T> payload;
        if (recurring.payload() != null) {
            var bean = recurring.payload();
            // a fresh context per fire: a @Dependent producer's product is released once the job holds its payload
            payload = () -> {
                CreationalContext<?> context = beanManager.createCreationalContext(bean);
                try {
                    return type.cast(beanManager.getReference(bean, type, context));
                } finally {
                    context.release();
                }
            };
        } else {
            payload = () -> {
                try {
                    return type.getConstructor().newInstance();
                } catch (ReflectiveOperationException e) {
                    throw new IllegalStateException("Cannot make the payload of schedule '"
                            + recurring.schedule().name() + "' with " + type.getName() + "()", e);
                }
            };
        }
        monitor.schedule(recurring.schedule(), (JobStorage<T>) storage, payload);
    }
}
