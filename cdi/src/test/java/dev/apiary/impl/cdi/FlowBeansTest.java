package dev.apiary.impl.cdi;

import dev.apiary.Job;
import dev.apiary.JobHandler;
import dev.apiary.JobOptions;
import dev.apiary.JobStatus;
import dev.apiary.Outcome;
import dev.apiary.cdi.JobWorker;
import dev.apiary.cdi.Queue;
import dev.apiary.flow.BatchSummary;
import dev.apiary.flow.FlowView;
import dev.apiary.flow.Flows;
import dev.apiary.flow.Workflow;
import dev.apiary.flow.WorkflowException;
import dev.apiary.spi.InMemory;
import dev.apiary.spi.JobStorage;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.inject.Produces;
import jakarta.inject.Inject;
import org.jboss.weld.junit5.EnableWeld;
import org.jboss.weld.junit5.WeldInitiator;
import org.jboss.weld.junit5.WeldSetup;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.stream.IntStream;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

/** Flows injected into an ordinary bean, whose steps run through the application's {@code @JobWorker} beans. */
@EnableWeld
class FlowBeansTest {

    public record Num(int n) {
    }

    /** The payload of the join of the steps {@code twice} and {@code square}: a component per parent step. */
    public record Both(Num twice, Num square) {
    }

    @JobWorker(queue = "flow-double")
    public static class Doubler implements JobHandler<Num> {
        @Override
        public Outcome handle(Job<Num> job) {
            return Outcome.done(new Num(job.payload().n() * 2));
        }
    }

    @JobWorker(queue = "flow-square")
    public static class Squarer implements JobHandler<Num> {
        @Override
        public Outcome handle(Job<Num> job) {
            return Outcome.done(new Num(job.payload().n() * job.payload().n()));
        }
    }

    @JobWorker(queue = "flow-join")
    public static class Joiner implements JobHandler<Both> {
        static final List<Both> SEEN = new CopyOnWriteArrayList<>();

        @Override
        public Outcome handle(Job<Both> job) {
            SEEN.add(job.payload());
            return Outcome.done(new Num(job.payload().twice().n() + job.payload().square().n()));
        }
    }

    @JobWorker(queue = "flow-report")
    public static class Reporter implements JobHandler<BatchSummary> {
        static final List<BatchSummary> SEEN = new CopyOnWriteArrayList<>();

        @Override
        public Outcome handle(Job<BatchSummary> job) {
            SEEN.add(job.payload());
            return Outcome.done();
        }
    }

    @ApplicationScoped
    public static class Storages {
        @Produces
        @ApplicationScoped
        @Queue("flow-double")
        JobStorage<Num> doubles() {
            return InMemory.storage("flow-double", Num.class);
        }

        @Produces
        @ApplicationScoped
        @Queue("flow-square")
        JobStorage<Num> squares() {
            return InMemory.storage("flow-square", Num.class);
        }

        @Produces
        @ApplicationScoped
        @Queue("flow-join")
        JobStorage<Both> joins() {
            return InMemory.storage("flow-join", Both.class);
        }

        @Produces
        @ApplicationScoped
        @Queue("flow-report")
        JobStorage<BatchSummary> reports() {
            return InMemory.storage("flow-report", BatchSummary.class);
        }
    }

    /** Any bean of the application: it starts flows through the injected API. */
    @ApplicationScoped
    public static class Orders {
        @Inject
        Flows flows;

        String diamond(int n) {
            return flows.start(Workflow.named("diamond")
                    .step("start", "flow-double", new Num(n))
                    .step("twice", "flow-double").after("start")
                    .step("square", "flow-square").after("start")
                    .step("join", "flow-join").after("twice", "square")
                    .build());
        }

        String batch(int size) {
            return flows.batch("squares", "flow-square", IntStream.range(0, size).mapToObj(Num::new).toList(),
                    JobOptions.defaults(), "flow-report");
        }
    }

    @WeldSetup
    WeldInitiator weld = WeldInitiator.from(WeldInitiator.createWeld()
            .addBeanClasses(Doubler.class, Squarer.class, Joiner.class, Reporter.class, Storages.class,
                    Orders.class)
            .addExtension(new ApiaryExtension())).build();

    @Inject
    Orders orders;

    @Inject
    Flows flows;

    @Inject
    @Queue("flow-join")
    JobStorage<Both> joins;

    @BeforeAll
    static void fastPolling() {
        TestConfig.use(Map.of());
    }

    @AfterAll
    static void defaults() {
        TestConfig.clear();
    }

    @Test
    void aBeanStartsADiamondWhoseStepsRunThroughTheWorkerBeans() {
        String id = orders.diamond(3);

        await().atMost(Duration.ofSeconds(20)).until(() -> flows.find(id).orElseThrow().isFinished());
        FlowView flow = flows.find(id).orElseThrow();
        assertThat(flow.counts()).containsEntry(JobStatus.DONE, 4L);
        // start doubles 3 to 6; then twice gives 12 and square 36
        assertThat(Joiner.SEEN).containsExactly(new Both(new Num(12), new Num(36)));
        assertThat(joins.find(flow.step("join").jobId()).orElseThrow().result()).isEqualTo("{\"n\":48}");
    }

    @Test
    void aBatchCallsItsCallbackWorkerOnceWithTheSummary() {
        String id = orders.batch(20);

        await().atMost(Duration.ofSeconds(20)).until(() -> flows.find(id).orElseThrow().isFinished());
        assertThat(Reporter.SEEN).hasSize(1);
        assertThat(Reporter.SEEN.get(0).batchId()).isEqualTo(id);
        assertThat(Reporter.SEEN.get(0).succeeded()).hasSize(20);
    }

    @Test
    void aStepInAQueueWithoutAStorageIsRefusedNamingTheQueues() {
        assertThatThrownBy(() -> flows.start(Workflow.chain("typo", "flow-double", new Num(1), "flow-tripple")))
                .isInstanceOf(WorkflowException.class)
                .hasMessageContaining("step '2' runs in queue 'flow-tripple', which has no storage here")
                .hasMessageContaining("flow-double");
    }
}
