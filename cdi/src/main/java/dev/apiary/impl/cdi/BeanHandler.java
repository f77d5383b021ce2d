package dev.apiary.impl.cdi;

import dev.apiary.Job;
import dev.apiary.JobContext;
import dev.apiary.JobHandler;
import dev.apiary.Outcome;
import jakarta.enterprise.context.Dependent;
import jakarta.enterprise.context.spi.CreationalContext;
import jakarta.enterprise.inject.spi.Bean;
import jakarta.enterprise.inject.spi.BeanManager;

import java.lang.reflect.Type;

/**
 * The handler a worker built from a {@code @JobWorker} bean runs: the bean's contextual reference, so that the
 * bean's interceptors (the layers) and injections apply. A {@code @Dependent} bean is created for each job and
 * destroyed after it; any other scope is looked up once and shared.
 */
final class BeanHandler<T> implements JobHandler<T> {

    private final BeanManager beanManager;
    private final Bean<?> bean;
    private final Type handlerType;
    private final boolean perJob;
    private volatile JobHandler<T> shared;

    BeanHandler(BeanManager beanManager, Bean<?> bean, Type handlerType) {
        this.beanManager = beanManager;
        this.bean = bean;
        this.handlerType = handlerType;
        this.perJob = bean.getScope() == Dependent.class;
    }

    @Override
    public Outcome handle(Job<T> job) throws Exception {
        // current while the bean is created too, so that @Inject JobContext sees this job
        JobContext previous = CurrentJob.enter(job.context());
        try {
            if (!perJob) {
                return shared().handle(job);
            }
            CreationalContext<?> cc = beanManager.createCreationalContext(bean);
            try {
                return reference(cc).handle(job);
            } finally {
                cc.release();
            }
        } finally {
            CurrentJob.leave(previous);
        }
    }

    private JobHandler<T> shared() {
        JobHandler<T> h = shared;
        if (h == null) {
            h = reference(beanManager.createCreationalContext(bean));
            shared = h;
        }
        return h;
    }

    @SuppressWarnings("unchecked")
    private JobHandler<T> reference(CreationalContext<?> cc) {
        return (JobHandler<T>) beanManager.getReference(bean, handlerType, cc);
    }

    @Override
    public String toString() {
        return "bean " + bean.getBeanClass().getName();
    }
}
