package dev.apiary.dashboard;

import dev.apiary.JobStatus;
import dev.apiary.Outcome;
import dev.apiary.cdi.Queue;
import dev.apiary.impl.cdi.ApiaryExtension;
import dev.apiary.spi.InMemory;
import dev.apiary.spi.JobStorage;
import dev.apiary.spi.Settlement;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.context.RequestScoped;
import jakarta.enterprise.inject.Produces;
import jakarta.inject.Inject;
import org.jboss.weld.junit.MockBean;
import org.jboss.weld.junit5.EnableWeld;
import org.jboss.weld.junit5.WeldInitiator;
import org.jboss.weld.junit5.WeldSetup;
import org.junit.jupiter.api.Test;

import java.time.Clock;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/**
 * Cancelling a job through the dashboard API: only an admin may, and the job records who cancelled it and why, shown
 * in its detail; a job that already ended is a conflict and keeps its outcome.
 */
@EnableWeld
class CancelJobApiTest {

    public record Report(String name) {
    }

    public static class Producers {
        @Produces
        @ApplicationScoped
        @Queue("reports")
        JobStorage<Report> reports() {
            return InMemory.storage("reports", Report.class);
        }
    }

    @WeldSetup
    WeldInitiator weld = WeldInitiator.from(WeldInitiator.createWeld()
                    .addBeanClasses(Producers.class, Queues.class)
                    .addExtension(new ApiaryExtension()))
            .addBeans(MockBean.builder().types(DashboardSettings.class).create(c -> Requests.defaults()).build())
            .activate(RequestScoped.class).build();

    @Inject
    Queues queues;

    private final AuditTrail audit = new AuditTrail(10, Clock.systemUTC());

    /** The resource as JAX-RS gives it to a request of {@code user}. */
    private QueuesApi api(String user) {
        QueuesApi api = new QueuesApi();
        api.queues = queues;
        api.settings = Requests.defaults();
        api.audit = audit;
        api.security = Requests.user(user, "apiary-admin");
        return api;
    }

    @SuppressWarnings("unchecked")
    private JobStorage<Report> reports() {
        return (JobStorage<Report>) queues.require("reports");
    }

    private static int refusal(String role) {
        try {
            RoleCheck filter = new RoleCheck();
            filter.resource = Requests.resource(QueuesApi.class, "cancel");
            filter.filter(Requests.request("POST", Requests.user("someone", role)));
            return 200;
        } catch (DashboardProblem problem) {
            return problem.status();
        }
    }

    @Test
    void onlyAnAdminMayCancel() {
        assertThat(refusal("apiary-admin")).isEqualTo(200);
        assertThat(refusal("apiary-viewer")).isEqualTo(403);
        assertThat(refusal("other")).isEqualTo(403);
    }

    @Test
    void aCancelledJobShowsWhoCancelledItAndWhy() {
        String pending = reports().push(new Report("monthly"));
        reports().push(new Report("weekly"));
        String running = reports().claim("w1", 2).stream().filter(j -> !j.id().equals(pending)).findFirst()
                .orElseThrow().id();

        JobView cancelled = api("ada").cancel("reports", pending, "pushed twice");
        JobView defaultReason = api("bob").cancel("reports", running, null);

        assertThat(cancelled.status()).isEqualTo(JobStatus.CANCELLED);
        assertThat(cancelled.cancelledBy()).isEqualTo("ada");
        assertThat(cancelled.lastError()).isEqualTo("pushed twice");
        assertThat(api("vera").job("reports", pending).cancelledBy()).isEqualTo("ada");
        assertThat(defaultReason.cancelledBy()).isEqualTo("bob");
        assertThat(defaultReason.lastError()).isEqualTo("cancelled from the Apiary dashboard");
        assertThat(api("vera").jobs("reports", "CANCELLED", null, null, null).items())
                .extracting(JobView::cancelledBy).containsExactlyInAnyOrder("ada", "bob");
        assertThat(audit.latest()).extracting(AuditEntry::user, AuditEntry::action, AuditEntry::jobs)
                .startsWith(org.assertj.core.groups.Tuple.tuple("bob", "cancel", 1),
                        org.assertj.core.groups.Tuple.tuple("ada", "cancel", 1));
    }

    @Test
    void aJobThatEndedIsAConflictAndKeepsItsOutcome() {
        reports().push(new Report("daily"));
        var job = reports().claim("w1", 1).get(0);
        reports().settle(List.of(new Settlement(job.context(), Outcome.done())));

        assertThatThrownBy(() -> api("ada").cancel("reports", job.id(), "too late"))
                .isInstanceOfSatisfying(DashboardProblem.class, p -> {
                    assertThat(p.status()).isEqualTo(409);
                    assertThat(p.getMessage()).contains("is DONE", "only a pending or running job can be cancelled");
                });
        assertThat(reports().find(job.id()).orElseThrow().status()).isEqualTo(JobStatus.DONE);
        assertThat(audit.latest().get(0).jobs()).isZero();
    }
}
