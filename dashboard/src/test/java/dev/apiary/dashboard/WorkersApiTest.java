package dev.apiary.dashboard;

import dev.apiary.cdi.Queue;
import dev.apiary.impl.cdi.ApiaryExtension;
import dev.apiary.impl.codec.JsonbCodec;
import dev.apiary.impl.storage.InMemoryStorage;
import dev.apiary.spi.JobStorage;
import dev.apiary.spi.WorkerRecord;
import dev.apiary.testing.ManualClock;
import dev.apiary.worker.WorkerSnapshot;
import dev.apiary.worker.WorkerState;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.context.RequestScoped;
import jakarta.enterprise.inject.Produces;
import jakarta.inject.Inject;
import org.jboss.weld.junit5.EnableWeld;
import org.jboss.weld.junit5.WeldInitiator;
import org.jboss.weld.junit5.WeldSetup;
import org.junit.jupiter.api.Test;

import java.time.Duration;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.tuple;

/** The workers API lists live instances first, then stopped and lost ones, which {@code live=true} leaves out. */
@EnableWeld
class WorkersApiTest {

    public record Email(String to) {
    }

    static final ManualClock CLOCK = ManualClock.startingNow();
    static final Duration LEASE = Duration.ofSeconds(30);

    public static class Producers {
        @Produces
        @ApplicationScoped
        @Queue("mails")
        JobStorage<Email> mails() {
            return new InMemoryStorage<>("mails", Email.class, new JsonbCodec(), CLOCK, Duration.ofHours(1),
                    "web-1/a");
        }
    }

    @WeldSetup
    WeldInitiator weld = WeldInitiator.from(WeldInitiator.createWeld()
                    .addBeanClasses(Producers.class, Queues.class, WorkersApi.class)
                    .addExtension(new ApiaryExtension()))
            .activate(RequestScoped.class).build();

    @Inject
    Queues queues;

    @Inject
    WorkersApi workers;

    @Test
    void liveInstancesComeFirstAndStoppedAndLostOnesCanBeLeftOut() {
        JobStorage<?> storage = queues.require("mails");
        storage.heartbeat(snapshot("mailer-0", WorkerState.ENGAGED), LEASE);
        storage.heartbeat(snapshot("mailer-1", WorkerState.STOPPED), LEASE);
        storage.heartbeat(snapshot("mailer-2", WorkerState.ENGAGED), LEASE);
        CLOCK.advance(LEASE.plusSeconds(1));
        storage.heartbeat(snapshot("mailer-2", WorkerState.IDLE), LEASE);

        assertThat(workers.workers(false)).extracting(WorkerRecord::instanceId, WorkerRecord::status)
                .containsExactly(tuple("mailer-2", "IDLE"), tuple("mailer-0", "LOST"), tuple("mailer-1", "STOPPED"));
        assertThat(workers.workers(true)).extracting(WorkerRecord::instanceId).containsExactly("mailer-2");
        assertThat(workers.workers(false)).extracting(WorkerRecord::node).containsOnly("web-1/a");
    }

    private static WorkerSnapshot snapshot(String instance, WorkerState state) {
        return new WorkerSnapshot("mailer", instance, "mails", state, 0, 0, 0, 0, 0, CLOCK.instant(), null);
    }
}
