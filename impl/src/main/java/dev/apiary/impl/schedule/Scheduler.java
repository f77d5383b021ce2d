package dev.apiary.impl.schedule;

import dev.apiary.ConfigurationException;
import dev.apiary.JobOptions;
import dev.apiary.schedule.Schedule;
import dev.apiary.schedule.ScheduleInfo;
import dev.apiary.schedule.Schedules;
import dev.apiary.spi.JobStorage;
import dev.apiary.spi.ScheduleStore;

import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;
import java.util.function.Supplier;
import java.util.logging.Level;
import java.util.logging.Logger;

/**
 * Fires the monitor's recurring schedules. Each tick reads every enabled schedule's state from its store (whose
 * clock, the database's, decides what is due), plans the due fires ({@link FirePlan}) and asks the store to advance
 * the last fire and push the jobs in one step, from the last fire it read: of several nodes that tick at once,
 * one enqueues each fire and the others find the last fire moved and do nothing. The next tick comes at the next fire
 * time, at most a second later (so that a pause or a fire by another node is seen soon).
 *
 * <p>Threads: {@link #tick()} runs on the timer, one tick at a time; the operations ({@link Schedules}) run on the
 * caller's thread and act through the stores only.
 */
public final class Scheduler implements Schedules {

    private static final Logger LOG = Logger.getLogger(Scheduler.class.getName());
    /** The longest pause between ticks. */
    static final Duration MAX_TICK = Duration.ofSeconds(1);
    /** The shortest, and the margin after a fire time, for a local timer that may run a little early. */
    static final Duration MIN_TICK = Duration.ofMillis(20);

    /** Metadata of a fired job: the schedule's name. */
    public static final String SCHEDULE_METADATA = "apiary.schedule";
    /** Metadata of a fired job: the fire time (ISO-8601), or when it was triggered by hand. */
    public static final String FIRE_METADATA = "apiary.fire";
    /** Metadata of a job triggered by hand: {@code manual}. */
    public static final String TRIGGER_METADATA = "apiary.trigger";

    private final Map<String, Entry<?>> entries = new ConcurrentHashMap<>();
    /** Names in registration order; added to before the start only. */
    private final List<String> order = new CopyOnWriteArrayList<>();
    private ScheduledExecutorService timer;
    private ScheduledFuture<?> next;
    private volatile boolean stopped;

    /**
     * Adds a schedule.
     *
     * @throws ConfigurationException when the name is taken, the expression invalid or the storage keeps no schedules
     */
    public synchronized <T> void add(Schedule schedule, JobStorage<T> storage, Supplier<? extends T> payload) {
        Objects.requireNonNull(schedule, "schedule");
        Objects.requireNonNull(storage, "storage of schedule '" + schedule.name() + "'");
        Objects.requireNonNull(payload, "payload of schedule '" + schedule.name() + "'");
        if (timer != null) {
            throw new IllegalStateException("Register schedules before the monitor starts");
        }
        if (entries.containsKey(schedule.name())) {
            throw new ConfigurationException("Two schedules are named '" + schedule.name()
                    + "'; schedule names must be unique in the application");
        }
        ScheduleStore<T> store = storage.scheduleStore().orElseThrow(() -> new ConfigurationException("Schedule '"
                + schedule.name() + "' pushes to queue '" + storage.queue() + "', whose storage ("
                + storage.getClass().getName() + ") keeps no schedules; use the JPA or the in-memory storage"));
        entries.put(schedule.name(), new Entry<>(schedule, CronSchedule.of(schedule), storage, store, payload));
        order.add(schedule.name());
    }

    /** Starts ticking on {@code timer}; does nothing without schedules enabled on this node. */
    public synchronized void start(ScheduledExecutorService scheduledExecutor) {
        if (timer != null || entries.values().stream().noneMatch(e -> e.schedule.enabled())) {
            return;
        }
        timer = scheduledExecutor;
        next = timer.schedule(this::loop, 0, TimeUnit.MILLISECONDS);
        LOG.info(() -> "Apiary scheduler started with schedules " + order);
    }

    /** Stops ticking; a tick under way finishes. */
    public synchronized void stop() {
        stopped = true;
        if (next != null) {
            next.cancel(false);
        }
    }

    private void loop() {
        Duration pause = MAX_TICK;
        try {
            pause = tick();
        } catch (RuntimeException | Error e) {
            LOG.log(Level.SEVERE, "A scheduler tick failed; ticking again in " + MAX_TICK, e);
        }
        synchronized (this) {
            if (!stopped) {
                next = timer.schedule(this::loop, pause.toMillis(), TimeUnit.MILLISECONDS);
            }
        }
    }

    /**
     * Fires what is due of every enabled schedule and returns how long to wait before the next tick. A schedule
     * whose store fails is logged (once until it works again) and tried at the next tick; its due fires stay due.
     */
    public Duration tick() {
        Duration pause = MAX_TICK;
        for (String name : order) {
            Entry<?> entry = entries.get(name);
            if (!entry.schedule.enabled()) {
                continue;
            }
            try {
                Duration untilNext = entry.tick();
                if (untilNext.compareTo(pause) < 0) {
                    pause = untilNext;
                }
                if (entry.failing) {
                    entry.failing = false;
                    LOG.info(() -> "Schedule '" + name + "' fires again");
                }
            } catch (RuntimeException e) {
                if (!entry.failing) {
                    entry.failing = true;
                    LOG.log(Level.WARNING, "Schedule '" + name + "' cannot fire (" + e + "); its due fires stay due"
                            + " and are tried every tick", e);
                }
            }
        }
        return pause.compareTo(MIN_TICK) < 0 ? MIN_TICK : pause;
    }

    @Override
    public List<ScheduleInfo> list() {
        List<ScheduleInfo> result = new ArrayList<>();
        for (String name : order.stream().sorted().toList()) {
            result.add(entries.get(name).info());
        }
        return result;
    }

    @Override
    public Optional<ScheduleInfo> find(String name) {
        Entry<?> entry = entries.get(name);
        return entry == null ? Optional.empty() : Optional.of(entry.info());
    }

    @Override
    public void pause(String name) {
        Entry<?> entry = entry(name);
        entry.store.register(name);
        entry.store.setPaused(name, true);
        LOG.info(() -> "Schedule '" + name + "' paused");
    }

    @Override
    public void resume(String name) {
        Entry<?> entry = entry(name);
        entry.store.register(name);
        entry.store.setPaused(name, false);
        LOG.info(() -> "Schedule '" + name + "' resumed");
    }

    @Override
    public String triggerNow(String name) {
        return entry(name).triggerNow();
    }

    private Entry<?> entry(String name) {
        Entry<?> entry = name == null ? null : entries.get(name);
        if (entry == null) {
            throw new IllegalArgumentException("No schedule '" + name + "'; schedules are " + order);
        }
        return entry;
    }

    /** The options of the job of one fire: keyed by schedule and fire time, so a fire is a job at most once. */
    static JobOptions optionsOf(String name, Instant fire) {
        return JobOptions.defaults().withUniqueKey("schedule:" + name + "@" + fire)
                .withMetadata(SCHEDULE_METADATA, name).withMetadata(FIRE_METADATA, fire.toString());
    }

    /** One schedule with its storage; {@code failing} is written and read by the timer's tick only. */
    private static final class Entry<T> {
        final Schedule schedule;
        final CronSchedule cron;
        final JobStorage<T> storage;
        final ScheduleStore<T> store;
        final Supplier<? extends T> payload;
        volatile boolean registered;
        boolean failing;

        Entry(Schedule schedule, CronSchedule cron, JobStorage<T> storage, ScheduleStore<T> store,
              Supplier<? extends T> payload) {
            this.schedule = schedule;
            this.cron = cron;
            this.storage = storage;
            this.store = store;
            this.payload = payload;
        }

        Duration tick() {
            String name = schedule.name();
            ScheduleStore.State state = registered ? store.state(name).orElseGet(() -> store.register(name))
                    : store.register(name);
            registered = true;
            if (state.paused()) {
                return MAX_TICK;
            }
            Instant last = state.lastFire();
            FirePlan plan = FirePlan.plan(schedule, cron, last, state.readAt());
            if (plan != null) {
                List<ScheduleStore.Push<T>> jobs = new ArrayList<>(plan.fires().size());
                for (Instant fire : plan.fires()) {
                    jobs.add(new ScheduleStore.Push<>(payload.get(), optionsOf(name, fire)));
                }
                Optional<List<String>> ids = store.fire(name, last, plan.lastFire(), jobs);
                if (ids.isPresent()) {
                    last = plan.lastFire();
                    if (plan.missed()) {
                        LOG.info(() -> "Schedule '" + name + "' missed its fires up to " + plan.lastFire() + "; "
                                + schedule.misfire() + " enqueued " + plan.fires());
                    } else {
                        LOG.fine(() -> "Schedule '" + name + "' fired " + plan.fires() + ": jobs " + ids.get());
                    }
                }
            }
            Duration untilNext = Duration.between(state.readAt(), cron.nextAfter(last)).plus(MIN_TICK);
            return untilNext.isNegative() ? Duration.ZERO : untilNext;
        }

        ScheduleInfo info() {
            Optional<ScheduleStore.State> state = store.state(schedule.name());
            boolean paused = state.map(ScheduleStore.State::paused).orElse(false);
            Instant last = state.map(ScheduleStore.State::lastFire).orElse(null);
            Instant next = null;
            if (schedule.enabled() && !paused) {
                next = cron.nextAfter(last != null ? last : store.now());
            }
            return new ScheduleInfo(schedule, storage.queue(), paused, last, next);
        }

        String triggerNow() {
            Instant now = store.now();
            String id = storage.push(payload.get(), JobOptions.defaults()
                    .withMetadata(SCHEDULE_METADATA, schedule.name()).withMetadata(FIRE_METADATA, now.toString())
                    .withMetadata(TRIGGER_METADATA, "manual"));
            LOG.info(() -> "Schedule '" + schedule.name() + "' triggered by hand: job " + id);
            return id;
        }
    }
}
