package dev.apiary.jpa;

import dev.apiary.ConfigurationException;
import jakarta.persistence.EntityManager;
import jakarta.persistence.EntityManagerFactory;

import java.util.LinkedHashSet;
import java.util.Set;

/** The caller's resource-local EntityManager bound to this thread by {@link JpaJobStorage#joining(EntityManager)}. */
final class CallerEntityManager implements JoinedTransaction {

    private static final ThreadLocal<CallerEntityManager> CURRENT = new ThreadLocal<>();

    private final EntityManager em;
    private final CallerEntityManager outer;
    private final Set<Runnable> wakeups = new LinkedHashSet<>();

    private CallerEntityManager(EntityManager em, CallerEntityManager outer) {
        this.em = em;
        this.outer = outer;
    }

    static CallerEntityManager bind(EntityManager em) {
        if (!em.getTransaction().isActive()) {
            throw new IllegalStateException("Begin the EntityManager's transaction before binding it with "
                    + "JpaJobStorage.joining(em): jobs pushed in the scope join that transaction");
        }
        CallerEntityManager scope = new CallerEntityManager(em, CURRENT.get());
        CURRENT.set(scope);
        return scope;
    }

    /** The bound EntityManager, or {@code null} when none is bound; it must come from {@code emf}. */
    static EntityManager current(EntityManagerFactory emf) {
        CallerEntityManager scope = CURRENT.get();
        if (scope == null) {
            return null;
        }
        // EclipseLink hands out another wrapper object for the same factory, so compare what a factory owns alone
        if (scope.em.getEntityManagerFactory() != emf && scope.em.getMetamodel() != emf.getMetamodel()) {
            throw new ConfigurationException("The EntityManager bound with JpaJobStorage.joining(em) belongs to "
                    + "another EntityManagerFactory than the storage it pushes to; build the storage on the same "
                    + "factory, or push outside the joining scope");
        }
        return scope.em;
    }

    /** Whether {@code wakeup} is already due when this thread's innermost scope closes. */
    static boolean hasAfterScope(Runnable wakeup) {
        CallerEntityManager scope = CURRENT.get();
        return scope != null && scope.wakeups.contains(wakeup);
    }

    static void afterScope(Runnable wakeup) {
        CURRENT.get().wakeups.add(wakeup);
    }

    @Override
    public void close() {
        if (CURRENT.get() != this) {
            throw new IllegalStateException("JpaJobStorage.joining scopes must be closed in reverse order, "
                    + "on the thread that opened them");
        }
        if (outer == null) {
            CURRENT.remove();
        } else {
            CURRENT.set(outer);
        }
        // A wake-up is a hint: after a rollback it costs one empty poll, before the commit the jobs are found by
        // the next poll. So hand it to an enclosing scope while the transaction is still open, else run it now.
        if (outer != null && em.getTransaction().isActive()) {
            outer.wakeups.addAll(wakeups);
        } else {
            wakeups.forEach(Runnable::run);
        }
    }
}
