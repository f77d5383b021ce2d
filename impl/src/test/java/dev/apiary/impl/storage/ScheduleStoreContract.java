package dev.apiary.impl.storage;

import dev.apiary.JobOptions;
import dev.apiary.JobStatus;
import dev.apiary.spi.JobStorage;
import dev.apiary.spi.ScheduleStore;
import dev.apiary.spi.ScheduleStore.Push;
import dev.apiary.spi.ScheduleStore.State;
import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.UUID;
import java.util.concurrent.Callable;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * The contract of a storage's {@link ScheduleStore}, run against every implementation: registration, atomic fires
 * that enqueue once however many nodes race for them, pause and resume. Each test uses a queue and schedule names
 * of its own, so implementations may share one database.
 */
public abstract class ScheduleStoreContract {

    /** A new storage for {@code queue}; storages of one test share their database, as nodes would. */
    protected abstract JobStorage<ContractPayload> newStorage(String queue);

    private static String unique(String prefix) {
        return prefix + "-" + UUID.randomUUID().toString().substring(0, 8);
    }

    private static ScheduleStore<ContractPayload> store(JobStorage<ContractPayload> storage) {
        return storage.scheduleStore().orElseThrow();
    }

    private static List<Push<ContractPayload>> pushes(String name, Instant fire) {
        return List.of(new Push<>(new ContractPayload("fire " + fire, 1),
                JobOptions.defaults().withUniqueKey("schedule:" + name + "@" + fire)
                        .withMetadata("apiary.fire", fire.toString())));
    }

    @Test
    void registerStartsAtTheStoreClockAndKeepsTheFirstState() {
        JobStorage<ContractPayload> storage = newStorage(unique("sched-register"));
        ScheduleStore<ContractPayload> store = store(storage);
        String name = unique("nightly");
        Instant before = Instant.now().truncatedTo(ChronoUnit.SECONDS);

        State first = store.register(name);
        State again = store.register(name);

        assertThat(first.paused()).isFalse();
        assertThat(first.lastFire()).isBetween(before.minusSeconds(5), Instant.now().plusSeconds(5));
        assertThat(first.lastFire().getNano()).isZero();
        assertThat(again.lastFire()).isEqualTo(first.lastFire());
        assertThat(store.state(name)).map(State::lastFire).contains(first.lastFire());
        assertThat(store.now()).isBetween(Instant.now().minusSeconds(5), Instant.now().plusSeconds(5));
        assertThat(store.state(unique("never-registered"))).isEmpty();
    }

    @Test
    void aFireAdvancesTheLastFireAndPushesItsJobsOnlyFromTheExpectedLastFire() {
        JobStorage<ContractPayload> storage = newStorage(unique("sched-fire"));
        ScheduleStore<ContractPayload> store = store(storage);
        String name = unique("every-second");
        Instant last = store.register(name).lastFire();
        Instant fire = last.plusSeconds(1);

        Optional<List<String>> won = store.fire(name, last, fire, pushes(name, fire));
        Optional<List<String>> stale = store.fire(name, last, fire, pushes(name, fire));

        assertThat(won).hasValueSatisfying(ids -> assertThat(ids).hasSize(1));
        assertThat(stale).isEmpty();
        assertThat(store.state(name)).map(State::lastFire).contains(fire);
        assertThat(storage.counts().get(JobStatus.PENDING)).isEqualTo(1);
        assertThat(storage.find(won.get().get(0))).hasValueSatisfying(job ->
                assertThat(job.metadata()).containsEntry("apiary.fire", fire.toString()));
    }

    @Test
    void nodesRacingForOneFireEnqueueItOnce() throws Exception {
        String queue = unique("sched-race");
        List<JobStorage<ContractPayload>> nodes = List.of(newStorage(queue), newStorage(queue), newStorage(queue));
        String name = unique("race");
        Instant last = store(nodes.get(0)).register(name).lastFire();
        ExecutorService pool = Executors.newFixedThreadPool(6);
        try {
            for (int round = 1; round <= 10; round++) {
                Instant expected = last.plusSeconds(round - 1);
                Instant fire = last.plusSeconds(round);
                List<Callable<Boolean>> racers = new ArrayList<>();
                for (int i = 0; i < 6; i++) {
                    ScheduleStore<ContractPayload> store = store(nodes.get(i % nodes.size()));
                    racers.add(() -> store.fire(name, expected, fire, pushes(name, fire)).isPresent());
                }
                int winners = 0;
                for (Future<Boolean> f : pool.invokeAll(racers)) {
                    winners += f.get() ? 1 : 0;
                }
                assertThat(winners).as("winners of fire %s", fire).isEqualTo(1);
            }
        } finally {
            pool.shutdownNow();
        }
        assertThat(nodes.get(0).counts().get(JobStatus.PENDING)).isEqualTo(10);
    }

    @Test
    void aPausedScheduleDoesNotFireAndResumingSkipsWhatFellDueMeanwhile() {
        JobStorage<ContractPayload> storage = newStorage(unique("sched-pause"));
        ScheduleStore<ContractPayload> store = store(storage);
        String name = unique("paused");
        Instant last = store.register(name).lastFire();

        assertThat(store.setPaused(name, true)).isTrue();
        assertThat(store.fire(name, last, last.plusSeconds(1), pushes(name, last.plusSeconds(1)))).isEmpty();
        assertThat(store.state(name)).map(State::paused).contains(true);
        assertThat(store.state(name)).map(State::lastFire).contains(last);

        await().atMost(Duration.ofSeconds(5)).until(() -> store.now().isAfter(last));
        assertThat(store.setPaused(name, false)).isTrue();
        State resumed = store.state(name).orElseThrow();
        assertThat(resumed.paused()).isFalse();
        assertThat(resumed.lastFire()).isAfter(last);
        assertThat(storage.counts().get(JobStatus.PENDING)).isZero();
    }

    @Test
    void resumingAScheduleThatIsNotPausedChangesNothing() {
        ScheduleStore<ContractPayload> store = store(newStorage(unique("sched-resume")));
        String name = unique("running");
        Instant last = store.register(name).lastFire();

        assertThat(store.setPaused(name, false)).isTrue();

        assertThat(store.state(name)).map(State::lastFire).contains(last);
        assertThat(store.setPaused(unique("unknown"), true)).isFalse();
    }
}
