package dev.apiary.jpa;

import dev.apiary.JobOptions;
import dev.apiary.spi.ScheduleStore;
import jakarta.persistence.EntityManager;

import java.time.Clock;
import java.time.Instant;
import java.time.LocalDateTime;
import java.time.ZoneOffset;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

/**
 * The schedules of one JPA storage's queue, in {@code apiary_schedules}. Times come from the database's clock on
 * PostgreSQL and H2 (so that nodes with drifting clocks agree on what is due), from the storage's clock elsewhere.
 * A fire is one transaction: a conditional update of the last fire and, if it matched, the inserts of its jobs.
 */
final class JpaScheduleStore<T> implements ScheduleStore<T> {

    /** What the storage lends its schedules: transactions and the job inserts. */
    interface Jobs {
        <R> R run(String what, java.util.function.Function<EntityManager, R> work);

        String insert(EntityManager em, Object payload, JobOptions options);

        void afterFire(EntityManager em);

        void wakeUp();
    }

    private final String queue;
    private final SqlDialect dialect;
    private final Clock clock;
    private final Jobs jobs;

    JpaScheduleStore(String queue, SqlDialect dialect, Clock clock, Jobs jobs) {
        this.queue = queue;
        this.dialect = dialect;
        this.clock = clock;
        this.jobs = jobs;
    }

    @Override
    public Instant now() {
        return jobs.run("read the database clock", this::now);
    }

    /** Microseconds since the epoch, as a number, so that no provider's or driver's time-zone mapping is involved. */
    private Instant now(EntityManager em) {
        String sql = switch (dialect) {
            case POSTGRESQL -> "SELECT CAST(EXTRACT(EPOCH FROM clock_timestamp()) * 1000000 AS BIGINT)";
            case H2 -> "SELECT CAST(EXTRACT(EPOCH FROM CURRENT_TIMESTAMP) * 1000000 AS BIGINT)";
            case STANDARD -> null;
        };
        if (sql == null) {
            return clock.instant().truncatedTo(ChronoUnit.MICROS);
        }
        long micros = ((Number) em.createNativeQuery(sql).getSingleResult()).longValue();
        return Instant.EPOCH.plus(micros, ChronoUnit.MICROS);
    }

    private static LocalDateTime utc(Instant instant) {
        return LocalDateTime.ofInstant(instant, ZoneOffset.UTC);
    }

    private static Instant instant(LocalDateTime utc) {
        return utc.toInstant(ZoneOffset.UTC);
    }

    private static State state(ScheduleEntity row, Instant now) {
        return new State(row.name, instant(row.lastFire), row.paused, now);
    }

    @Override
    public State register(String name) {
        Optional<State> existing = state(name);
        if (existing.isPresent()) {
            return existing.get();
        }
        try {
            return jobs.run("register schedule '" + name + "'", em -> {
                Instant now = now(em);
                em.persist(new ScheduleEntity(name, queue, utc(now.truncatedTo(ChronoUnit.SECONDS))));
                em.flush();
                return new State(name, now.truncatedTo(ChronoUnit.SECONDS), false, now);
            });
        } catch (RuntimeException e) {
            // another node registered it at the same moment (a duplicate key), or the table is missing
            return state(name).orElseThrow(() -> e);
        }
    }

    @Override
    public Optional<State> state(String name) {
        return jobs.run("read schedule '" + name + "'", em -> {
            Instant now = now(em);
            ScheduleEntity row = em.find(ScheduleEntity.class, name);
            return row == null ? Optional.<State>empty() : Optional.of(state(row, now));
        });
    }

    @Override
    public Optional<List<String>> fire(String name, Instant expectedLastFire, Instant lastFire, List<Push<T>> pushes) {
        Optional<List<String>> ids = jobs.run("fire schedule '" + name + "' at " + lastFire, em -> {
            Instant now = now(em);
            // on PostgreSQL a second node's update waits for the first's commit, then finds last_fire changed
            int won = em.createQuery("UPDATE ApiarySchedule s SET s.lastFire = :last, s.updatedAt = :now "
                            + "WHERE s.name = :name AND s.lastFire = :expected AND s.paused = false")
                    .setParameter("last", utc(lastFire)).setParameter("now", utc(now))
                    .setParameter("name", name).setParameter("expected", utc(expectedLastFire))
                    .executeUpdate();
            if (won == 0) {
                return Optional.<List<String>>empty();
            }
            List<String> result = new ArrayList<>(pushes.size());
            for (Push<T> push : pushes) {
                result.add(jobs.insert(em, push.payload(), push.options()));
            }
            if (!result.isEmpty()) {
                jobs.afterFire(em);
            }
            return Optional.of(result);
        });
        if (ids.isPresent() && !ids.get().isEmpty()) {
            jobs.wakeUp();
        }
        return ids;
    }

    @Override
    public boolean setPaused(String name, boolean paused) {
        return jobs.run((paused ? "pause" : "resume") + " schedule '" + name + "'", em -> {
            Instant now = now(em);
            // resuming moves the last fire to now, so what fell due while paused does not fire
            String set = paused ? "s.paused = true" : "s.paused = false, s.lastFire = :now";
            int changed = em.createQuery("UPDATE ApiarySchedule s SET " + set + ", s.updatedAt = :now "
                            + "WHERE s.name = :name AND s.paused = :was")
                    .setParameter("now", utc(now)).setParameter("name", name).setParameter("was", !paused)
                    .executeUpdate();
            return changed > 0 || em.find(ScheduleEntity.class, name) != null;
        });
    }
}
