package dev.apiary.impl.cdi;

import dev.apiary.Job;
import dev.apiary.JobHandler;
import dev.apiary.Outcome;
import dev.apiary.cdi.JobWorker;
import dev.apiary.cdi.Queue;
import dev.apiary.cdi.Recurring;
import dev.apiary.schedule.Misfire;
import dev.apiary.schedule.ScheduleInfo;
import dev.apiary.schedule.Schedules;
import dev.apiary.spi.InMemory;
import dev.apiary.spi.JobStorage;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.inject.Produces;
import jakarta.inject.Named;
import org.jboss.weld.environment.se.Weld;
import org.jboss.weld.environment.se.WeldContainer;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.time.ZoneId;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * {@code @Recurring} on worker beans: payloads from a named producer or a no-argument constructor, configuration
 * overrides, the injectable {@link Schedules}, and deployment errors that name the bean, the schedule and the value.
 */
class RecurringWorkersTest {

    /** A payload with no no-argument constructor: it needs a producer. */
    public record Report(String kind) {
    }

    /** A payload with a public no-argument constructor. */
    public static class Tick {
        public String note = "tick";
    }

    @JobWorker(queue = "reports")
    @ApplicationScoped
    @Recurring(name = "every-second", cron = "* * * * * *")
    @Recurring(name = "nightly", cron = "0 0 2 * * *", zone = "Europe/Paris", misfire = Misfire.CATCH_UP)
    public static class ReportWorker implements JobHandler<Report> {
        static final List<Job<Report>> RAN = new CopyOnWriteArrayList<>();

        @Override
        public Outcome handle(Job<Report> job) {
            RAN.add(job);
            return Outcome.done();
        }
    }

    @JobWorker(queue = "ticks")
    @ApplicationScoped
    @Recurring(name = "ticking", cron = "* * * * * *")
    public static class TickWorker implements JobHandler<Tick> {
        static final List<Job<Tick>> RAN = new CopyOnWriteArrayList<>();

        @Override
        public Outcome handle(Job<Tick> job) {
            RAN.add(job);
            return Outcome.done();
        }
    }

    @ApplicationScoped
    public static class Beans {
        @Produces
        @ApplicationScoped
        @Queue("reports")
        JobStorage<Report> reports() {
            return InMemory.storage("reports", Report.class);
        }

        @Produces
        @ApplicationScoped
        @Queue("ticks")
        JobStorage<Tick> ticks() {
            return InMemory.storage("ticks", Tick.class);
        }

        @Produces
        @Named("every-second")
        Report everySecond() {
            return new Report("from the producer");
        }

        @Produces
        @Named("nightly")
        Report nightly() {
            return new Report("nightly");
        }
    }

    @JobWorker(name = "bad-cron", queue = "ticks")
    @Recurring(name = "bad", cron = "0 61 * * * *")
    public static class BadCronWorker implements JobHandler<Tick> {
        @Override
        public Outcome handle(Job<Tick> job) {
            return Outcome.done();
        }
    }

    @JobWorker(queue = "reports")
    @Recurring(name = "no-payload", cron = "0 0 * * * *")
    public static class NoPayloadWorker implements JobHandler<Report> {
        @Override
        public Outcome handle(Job<Report> job) {
            return Outcome.done();
        }
    }

    @AfterEach
    void defaultConfig() {
        TestConfig.clear();
    }

    private static Weld weld(Class<?>... beans) {
        return new Weld().disableDiscovery().addBeanClasses(beans).addExtension(new ApiaryExtension());
    }

    @Test
    void schedulesOnWorkerBeansFireWithTheirPayloadsAndConfigOverridesTheAnnotation() {
        TestConfig.use(Map.of("apiary.schedules.nightly.zone", "America/New_York",
                "apiary.schedules.nightly.max-catch-up", "3",
                "apiary.schedules.ticking.enabled", "false",
                "apiary.shutdown.grace-period", "1s"));
        try (WeldContainer container = weld(ReportWorker.class, TickWorker.class, Beans.class).initialize()) {
            await().atMost(Duration.ofSeconds(20)).until(() -> ReportWorker.RAN.size() >= 2);

            Job<Report> job = ReportWorker.RAN.get(0);
            assertThat(job.payload()).isEqualTo(new Report("from the producer"));
            assertThat(job.context().metadata()).containsEntry("apiary.schedule", "every-second")
                    .containsKey("apiary.fire");
            Schedules schedules = container.select(Schedules.class).get();
            assertThat(schedules.list()).extracting(ScheduleInfo::name)
                    .containsExactly("every-second", "nightly", "ticking");
            ScheduleInfo nightly = schedules.find("nightly").orElseThrow();
            assertThat(nightly.schedule().zone()).isEqualTo(ZoneId.of("America/New_York"));
            assertThat(nightly.schedule().misfire()).isEqualTo(Misfire.CATCH_UP);
            assertThat(nightly.schedule().maxCatchUp()).isEqualTo(3);
            assertThat(nightly.queue()).isEqualTo("reports");
            assertThat(nightly.nextFire().atZone(ZoneId.of("America/New_York")).getHour()).isEqualTo(2);
            assertThat(schedules.find("ticking").orElseThrow().nextFire()).isNull();

            schedules.triggerNow("ticking");         // disabled, but an operator may still run it by hand
            await().atMost(Duration.ofSeconds(10)).until(() -> TickWorker.RAN.size() == 1);
            assertThat(TickWorker.RAN.get(0).payload().note).isEqualTo("tick");
        }
    }

    @Test
    void aBadCronExpressionFailsTheDeploymentNamingTheBeanTheScheduleAndTheValue() {
        String message = DeploymentErrorsTest.messages(
                DeploymentErrorsTest.deploy(BadCronWorker.class, TickWorker.class, Beans.class));

        assertThat(message).contains(BadCronWorker.class.getName()).contains("Schedule 'bad'")
                .contains("'0 61 * * * *'").contains("@Recurring(cron)");
    }

    @Test
    void aBadZoneOrCronFromConfigFailsTheDeploymentNamingTheKey() {
        TestConfig.use(Map.of("apiary.schedules.every-second.zone", "Europe/Pariss",
                "apiary.schedules.nightly.cron", "every night"));

        String message = DeploymentErrorsTest.messages(
                DeploymentErrorsTest.deploy(ReportWorker.class, Beans.class));

        assertThat(message).contains(ReportWorker.class.getName())
                .contains("schedule 'every-second'").contains("'Europe/Pariss'")
                .contains("apiary.schedules.every-second.zone")
                .contains("Schedule 'nightly'").contains("'every night'").contains("apiary.schedules.nightly.cron");
    }

    @Test
    void aScheduleWithNoPayloadSourceFailsTheDeployment() {
        String message = DeploymentErrorsTest.messages(
                DeploymentErrorsTest.deploy(NoPayloadWorker.class, Beans.class));

        assertThat(message).contains(NoPayloadWorker.class.getName()).contains("schedule 'no-payload'")
                .contains("@Named(\"no-payload\")");
    }
}
