package dev.apiary.impl.layer;

import dev.apiary.Job;
import dev.apiary.Outcome;
import dev.apiary.layer.Layer;

/**
 * Any {@link Throwable} from the rest of the chain, {@link Error}s included, becomes {@link Outcome.Failed} with its
 * stack trace. The job's failure is data; the worker lives on.
 */
public final class CatchFailureStrategy implements Layer {

    @Override
    public Outcome apply(Job<?> job, Next next) {
        try {
            return next.proceed();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return Outcome.failed(e);
        } catch (Throwable t) {
            return Outcome.failed(t);
        }
    }
}
