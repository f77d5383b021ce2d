package dev.apiary.impl.cdi;

import jakarta.enterprise.inject.Instance;
import org.eclipse.microprofile.context.ManagedExecutor;
import org.eclipse.microprofile.context.ThreadContext;

import java.util.Optional;
import java.util.concurrent.ExecutorService;

/*
 * MicroProfile Context Propagation is optional: this class is the only one that names its types, and
 * ContainerExecutors loads it only once the API is on the class path (Quarkus has it; Helidon MP and a plain Weld SE
 * application need not). A ManagedExecutor is only taken as a bean the runtime (or the application) provides, never
 * built here: a builder would need an implementation, and an executor made here would be one more pool for Apiary
 * to size and stop, which is what the container's is for.
 */
/** The runtime's {@code ManagedExecutor} bean and its {@code ThreadContext}, where MicroProfile Context Propagation is. */
record ContextPropagationExecutor(ManagedExecutor executor, ThreadContext threadContext) {

    static final String API = "org.eclipse.microprofile.context.ManagedExecutor";

    /** The {@code ManagedExecutor} bean, if exactly one resolves, with the {@code ThreadContext} bean or its own. */
    static Optional<ContextPropagationExecutor> lookUp(Instance<Object> beans) {
        Instance<ManagedExecutor> executors = beans.select(ManagedExecutor.class);
        if (!executors.isResolvable()) {
            return Optional.empty();
        }
        ManagedExecutor executor = executors.get();
        Instance<ThreadContext> contexts = beans.select(ThreadContext.class);
        ThreadContext context = contexts.isResolvable() ? contexts.get() : executor.getThreadContext();
        return Optional.of(new ContextPropagationExecutor(executor, context));
    }

    ExecutorService jobs() {
        return executor;
    }

    /** {@code task} run with the context of the thread that calls this; the task itself where that is refused. */
    Runnable contextual(Runnable task) {
        return threadContext == null ? task : threadContext.contextualRunnable(task);
    }
}
