package dev.apiary.impl.cdi;

import dev.apiary.Job;
import dev.apiary.JobContext;
import dev.apiary.JobHandler;
import dev.apiary.JobOptions;
import dev.apiary.JobQueue;
import dev.apiary.JobStatus;
import dev.apiary.Outcome;
import dev.apiary.cdi.JobWorker;
import dev.apiary.cdi.Queue;
import dev.apiary.spi.InMemory;
import dev.apiary.spi.JobStorage;
import dev.apiary.spi.StoredJob;
import dev.apiary.worker.Monitor;
import dev.apiary.worker.WorkerSnapshot;
import jakarta.annotation.PreDestroy;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.context.RequestScoped;
import jakarta.enterprise.inject.Produces;
import jakarta.inject.Inject;
import org.jboss.weld.junit5.EnableWeld;
import org.jboss.weld.junit5.WeldInitiator;
import org.jboss.weld.junit5.WeldSetup;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.stream.Collectors;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

/** A {@code @JobWorker} bean in a real Weld container: discovered, started, fed through an injected JobQueue. */
@EnableWeld
class WorkerBeanTest {

    /** A dependency the handler injects, to show the handler is an ordinary bean. */
    @ApplicationScoped
    public static class Mailer {
        private final List<String> sent = new CopyOnWriteArrayList<>();

        void send(String to) {
            sent.add(to);
        }

        List<String> sent() {
            return sent;
        }
    }

    /** Lives for one job: the request context is active around each job. */
    @RequestScoped
    public static class JobLog {
        private static final AtomicInteger DESTROYED = new AtomicInteger();
        private String note;

        void note(String text) {
            note = text;
        }

        @PreDestroy
        void destroyed() {
            DESTROYED.incrementAndGet();
        }
    }

    @JobWorker(queue = "email", concurrency = 2, instances = 2)
    public static class EmailWorker implements JobHandler<Email> {
        static final Map<String, JobContext> CONTEXTS = new ConcurrentHashMap<>();
        static final Set<Integer> INSTANCES = ConcurrentHashMap.newKeySet();

        @Inject
        Mailer mailer;

        @Inject
        JobContext context;

        @Inject
        JobLog log;

        @Override
        public Outcome handle(Job<Email> job) {
            INSTANCES.add(System.identityHashCode(this));
            CONTEXTS.put(job.payload().to(), context);
            log.note(job.id());
            mailer.send(job.payload().to());
            return Outcome.done();
        }
    }

    @JobWorker(name = "urgent-mail", queue = "urgent")
    @ApplicationScoped
    public static class UrgentWorker implements JobHandler<Email> {
        static final List<String> SEEN = new CopyOnWriteArrayList<>();

        @Override
        public Outcome handle(Job<Email> job) {
            SEEN.add(job.payload().to());
            return Outcome.done();
        }
    }

    @ApplicationScoped
    public static class Storages {
        @Produces
        @ApplicationScoped
        @Queue("email")
        JobStorage<Email> email() {
            return InMemory.storage("email", Email.class);
        }

        @Produces
        @ApplicationScoped
        @Queue("urgent")
        JobStorage<Email> urgent() {
            return InMemory.storage("urgent", Email.class);
        }
    }

    @WeldSetup
    WeldInitiator weld = WeldInitiator.from(WeldInitiator.createWeld()
            .addBeanClasses(EmailWorker.class, UrgentWorker.class, Mailer.class, JobLog.class, Storages.class)
            .addExtension(new ApiaryExtension())).build();

    @Inject
    @Queue("email")
    JobQueue<Email> emails;

    @Inject
    @Queue("urgent")
    JobQueue<Email> urgent;

    @Inject
    @Queue("email")
    JobStorage<Email> emailStorage;

    @Inject
    @Queue("urgent")
    JobStorage<Email> urgentStorage;

    @Inject
    Mailer mailer;

    @Inject
    Monitor monitor;

    @BeforeAll
    static void fastPolling() {
        TestConfig.use(Map.of());
    }

    @AfterAll
    static void defaults() {
        TestConfig.clear();
    }

    @Test
    void aWorkerBeanRunsTheJobsPushedThroughItsInjectedQueue() {
        String id = emails.push(new Email("a@example.com"));

        await().atMost(Duration.ofSeconds(10)).until(() -> status(id) == JobStatus.DONE);
        assertThat(mailer.sent()).containsExactly("a@example.com");
        assertThat(emails.name()).isEqualTo("email");
    }

    @Test
    void theMonitorIsInjectableAndRunsTheDeclaredInstancesOfEachWorker() {
        await().atMost(Duration.ofSeconds(10)).until(() -> monitor.snapshot().size() == 3);
        Map<String, Long> instancesByWorker = monitor.snapshot().stream()
                .collect(Collectors.groupingBy(WorkerSnapshot::worker, Collectors.counting()));
        assertThat(instancesByWorker).containsExactlyInAnyOrderEntriesOf(Map.of("email", 2L, "urgent-mail", 1L));
        assertThat(monitor.snapshot()).extracting(WorkerSnapshot::queue).containsOnly("email", "urgent");
    }

    @Test
    void aDependentWorkerBeanGetsAFreshInstanceAndTheCurrentJobContextForEachJob() {
        String a = emails.push(new Email("ctx-a@example.com"));
        String b = emails.push(new Email("ctx-b@example.com"), JobOptions.defaults().withMaxAttempts(7));

        await().atMost(Duration.ofSeconds(10)).until(() -> status(a) == JobStatus.DONE && status(b) == JobStatus.DONE);
        assertThat(EmailWorker.CONTEXTS.get("ctx-a@example.com").id()).isEqualTo(a);
        assertThat(EmailWorker.CONTEXTS.get("ctx-b@example.com").id()).isEqualTo(b);
        assertThat(EmailWorker.CONTEXTS.get("ctx-b@example.com").maxAttempts()).isEqualTo(7);
        assertThat(EmailWorker.CONTEXTS.get("ctx-b@example.com").queue()).isEqualTo("email");
        assertThat(EmailWorker.INSTANCES).hasSizeGreaterThanOrEqualTo(2);
    }

    @Test
    void eachJobRunsInItsOwnRequestContext() {
        int before = JobLog.DESTROYED.get();
        List<String> ids = emails.pushAll(List.of(new Email("r1@example.com"), new Email("r2@example.com")));

        await().atMost(Duration.ofSeconds(10)).until(() -> ids.stream().allMatch(id -> status(id) == JobStatus.DONE));
        await().atMost(Duration.ofSeconds(5)).until(() -> JobLog.DESTROYED.get() - before >= 2);
    }

    @Test
    void aQualifiedQueuePushesToItsOwnStorageWithTheGivenOptions() {
        Instant later = Instant.now().plus(Duration.ofHours(1)).truncatedTo(ChronoUnit.MILLIS);
        String scheduled = urgent.schedule(new Email("later@example.com"), later);
        String delayed = urgent.push(new Email("prio@example.com"),
                JobOptions.defaults().withDelay(Duration.ofHours(2)).withPriority(9).withMaxAttempts(5));

        StoredJob<Email> s = urgentStorage.find(scheduled).orElseThrow();
        StoredJob<Email> d = urgentStorage.find(delayed).orElseThrow();
        assertThat(s.runAt()).isEqualTo(later);
        assertThat(s.status()).isEqualTo(JobStatus.PENDING);
        assertThat(d.priority()).isEqualTo(9);
        assertThat(d.maxAttempts()).isEqualTo(5);
        assertThat(emailStorage.find(scheduled)).isEmpty();

        String now = urgent.push(new Email("now@example.com"));
        await().atMost(Duration.ofSeconds(10)).until(() -> UrgentWorker.SEEN.contains("now@example.com"));
        assertThat(urgentStorage.find(now)).isPresent();
        assertThat(mailer.sent()).doesNotContain("now@example.com");
    }

    @Test
    void jobContextCannotBeInjectedOutsideAJob() {
        assertThatThrownBy(() -> weld.select(JobContext.class).get())
                .hasStackTraceContaining("No job runs on this thread");
    }

    private JobStatus status(String id) {
        return emailStorage.find(id).orElseThrow().status();
    }
}
