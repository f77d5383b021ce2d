package dev.apiary.dashboard;

import dev.apiary.spi.JobStorage;
import dev.apiary.testing.ManualClock;
import dev.apiary.testing.WorkerDriver;
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
 * Pausing and resuming a queue through the dashboard's API: an admin's action on the storage, recorded in the audit
 * trail; refused to a viewer, and to a request forged from another origin.
 */
@EnableWeld
class QueuePauseApiTest {

    public record Mail(String to) {
    }

    @WeldSetup
    WeldInitiator weld = WeldInitiator.from(WeldInitiator.createWeld())
            .addBeans(MockBean.builder().types(DashboardSettings.class).create(context -> Requests.defaults())
                    .build())
            .build();

    private final JobStorage<Mail> mail = WorkerDriver.inMemoryStorage("mail", Mail.class,
            ManualClock.at(java.time.Instant.parse("2030-01-01T00:00:00Z")));
    private final AuditTrail audit = new AuditTrail(10, Clock.systemUTC());

    private QueuesApi api(String user, String... roles) {
        QueuesApi api = new QueuesApi();
        api.queues = new Queues();
        api.queues.storages = () -> List.of(mail);
        api.settings = Requests.defaults();
        api.audit = audit;
        api.security = Requests.user(user, roles);
        return api;
    }

    @Test
    void anAdminPausesAndResumesAQueueAndTheTrailRecordsBoth() {
        QueuesApi api = api("ada", "apiary-admin");

        QueuesApi.QueueView paused = api.pause("mail");

        assertThat(paused.paused()).isTrue();
        assertThat(mail.isPaused()).isTrue();
        assertThat(api.queues()).singleElement().extracting(QueuesApi.QueueView::paused).isEqualTo(true);

        QueuesApi.QueueView resumed = api.resume("mail");

        assertThat(resumed.paused()).isFalse();
        assertThat(mail.isPaused()).isFalse();
        assertThat(audit.latest()).extracting(AuditEntry::user, AuditEntry::action, AuditEntry::target,
                AuditEntry::jobs).containsExactly(
                org.assertj.core.groups.Tuple.tuple("ada", "resume", "queue mail", 1),
                org.assertj.core.groups.Tuple.tuple("ada", "pause", "queue mail", 1));
    }

    @Test
    void pausingAPausedQueueIsRecordedAsChangingNothing() {
        QueuesApi api = api("ada", "apiary-admin");
        api.pause("mail");

        api.pause("mail");

        assertThat(audit.latest().get(0).jobs()).isZero();
        assertThat(mail.isPaused()).isTrue();
    }

    @Test
    void aStorageThatCannotPauseIsAConflictSayingSo() {
        // a storage of the application's own that implements none of the pause methods
        JobStorage<?> legacy = (JobStorage<?>) java.lang.reflect.Proxy.newProxyInstance(getClass().getClassLoader(),
                new Class<?>[] {JobStorage.class}, (proxy, method, args) -> switch (method.getName()) {
                    case "queue" -> "legacy";
                    default -> java.lang.reflect.InvocationHandler.invokeDefault(proxy, method, args);
                });
        QueuesApi api = api("ada", "apiary-admin");
        api.queues.storages = () -> List.of(legacy);

        assertThatThrownBy(() -> api.pause("legacy")).isInstanceOfSatisfying(DashboardProblem.class, p -> {
            assertThat(p.status()).isEqualTo(409);
            assertThat(p.getMessage()).contains("does not support pause");
        });
    }

    @Test
    void anUnknownQueueIsNotFound() {
        assertThatThrownBy(() -> api("ada", "apiary-admin").pause("nope"))
                .isInstanceOfSatisfying(DashboardProblem.class, p -> assertThat(p.status()).isEqualTo(404));
    }

    @Test
    void onlyAnAdminMayPauseOrResume() {
        for (String method : List.of("pause", "resume")) {
            RoleCheck asViewer = new RoleCheck();
            asViewer.resource = Requests.resource(QueuesApi.class, method);
            assertThatThrownBy(() -> asViewer.filter(Requests.request("POST", Requests.user("vera",
                    "apiary-viewer")))).as(method + " by a viewer")
                    .isInstanceOfSatisfying(DashboardProblem.class, p -> {
                        assertThat(p.status()).isEqualTo(403);
                        assertThat(p.getMessage()).isEqualTo("user 'vera' lacks role 'apiary-admin' for this "
                                + "operation");
                    });

            RoleCheck asAdmin = new RoleCheck();
            asAdmin.resource = Requests.resource(QueuesApi.class, method);
            asAdmin.filter(Requests.request("POST", Requests.user("ada", "apiary-admin")));
        }
        assertThat(mail.isPaused()).isFalse();
    }

    @Test
    void aPauseForgedFromAnotherOriginOrWithoutTheHeaderIsRefused() {
        ServletExchange forged = new ServletExchange("POST").header("Host", "dash.example.com")
                .header("Origin", "https://evil.example.net").header(SameOriginActions.HEADER, "x");
        ServletExchange noHeader = new ServletExchange("POST").header("Host", "dash.example.com")
                .header("Origin", "https://dash.example.com");
        ServletExchange own = new ServletExchange("POST").header("Host", "dash.example.com")
                .header("Origin", "https://dash.example.com").header(SameOriginActions.HEADER, "dashboard");

        assertThat(SameOriginActions.refusal(forged.request(), Requests::defaults))
                .startsWith("POST refused: it comes from another origin");
        assertThat(SameOriginActions.refusal(noHeader.request(), Requests::defaults))
                .startsWith("POST refused: the header 'X-Requested-By' is missing");
        assertThat(SameOriginActions.refusal(own.request(), Requests::defaults)).isNull();
    }
}
