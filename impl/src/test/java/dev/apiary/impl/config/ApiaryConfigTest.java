package dev.apiary.impl.config;

import dev.apiary.ConfigurationException;
import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.util.Map;
import java.util.Optional;
import java.util.OptionalInt;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** Reading {@code apiary.*} values: the duration forms, defaults, and problems that name the key. */
class ApiaryConfigTest {

    private static ApiaryConfig config(Map<String, String> values) {
        return new ApiaryConfig(key -> Optional.ofNullable(values.get(key)));
    }

    @Test
    void durationsAreIsoOrANumberWithAUnit() {
        assertThat(Durations.parse("PT30S")).isEqualTo(Duration.ofSeconds(30));
        assertThat(Durations.parse("pt0.5s")).isEqualTo(Duration.ofMillis(500));
        assertThat(Durations.parse("P1D")).isEqualTo(Duration.ofDays(1));
        assertThat(Durations.parse("250ms")).isEqualTo(Duration.ofMillis(250));
        assertThat(Durations.parse("30s")).isEqualTo(Duration.ofSeconds(30));
        assertThat(Durations.parse("5m")).isEqualTo(Duration.ofMinutes(5));
        assertThat(Durations.parse("2h")).isEqualTo(Duration.ofHours(2));
        assertThat(Durations.parse("1d")).isEqualTo(Duration.ofDays(1));
        assertThat(Durations.parse("0")).isZero();
        assertThatThrownBy(() -> Durations.parse("5 minutes")).hasMessageContaining("'5 minutes' is not a duration");
    }

    @Test
    void withNothingSetEveryWorkerSettingHasItsDefault() {
        WorkerSettings s = WorkerSettings.read(new ApiaryConfig(ConfigLookup.NONE), "email", 4, 2);

        assertThat(s).isEqualTo(new WorkerSettings("email", true, 4, 2, OptionalInt.empty(), Duration.ofMillis(100),
                Duration.ofSeconds(2),
                Duration.ofSeconds(10), Duration.ofSeconds(60), OptionalInt.empty()));
        MonitorSettings m = MonitorSettings.read(new ApiaryConfig(ConfigLookup.NONE));
        assertThat(m.gracePeriod()).isEqualTo(Duration.ofSeconds(30));
        assertThat(m.executorJndiName()).isEqualTo("java:comp/DefaultManagedExecutorService");
        assertThat(m.schedulerJndiName()).isEqualTo("java:comp/DefaultManagedScheduledExecutorService");
        assertThat(m.maxTickAge()).isEqualTo(Duration.ofSeconds(60));
    }

    @Test
    void keysOverrideTheAnnotationValues() {
        ApiaryConfig config = config(Map.of("apiary.workers.email.concurrency", "8",
                "apiary.workers.email.instances", "3", "apiary.workers.email.enabled", "FALSE",
                "apiary.workers.email.lease", "0", "apiary.workers.email.max-attempts", "7",
                "apiary.workers.email.prefetch", "50", "apiary.workers.email.poll-interval", "20ms",
                "apiary.workers.email.max-poll-interval", "1s", "apiary.workers.email.heartbeat-interval", "5s"));

        WorkerSettings s = WorkerSettings.read(config, "email", 1, 1);

        assertThat(s.concurrency()).isEqualTo(8);
        assertThat(s.instances()).isEqualTo(3);
        assertThat(s.enabled()).isFalse();
        assertThat(s.lease()).isZero();
        assertThat(s.maxAttempts()).hasValue(7);
        assertThat(s.prefetch()).hasValue(50);
        assertThat(s.pollInterval()).isEqualTo(Duration.ofMillis(20));
        assertThat(s.maxPollInterval()).isEqualTo(Duration.ofSeconds(1));
        assertThat(s.heartbeatInterval()).isEqualTo(Duration.ofSeconds(5));
        assertThat(config.problems()).isEmpty();
    }

    @Test
    void theAwaitPollIntervalIsReadFromItsKeyAndMustBePositive() {
        assertThat(MonitorSettings.read(config(Map.of())).awaitPollInterval()).isEqualTo(Duration.ofSeconds(1));
        ApiaryConfig set = config(Map.of(MonitorSettings.AWAIT_POLL_INTERVAL, "250ms"));
        assertThat(MonitorSettings.read(set).awaitPollInterval()).isEqualTo(Duration.ofMillis(250));
        assertThat(set.problems()).isEmpty();

        ApiaryConfig zero = config(Map.of(MonitorSettings.AWAIT_POLL_INTERVAL, "0"));
        assertThat(MonitorSettings.read(zero).awaitPollInterval()).isEqualTo(Duration.ofSeconds(1));
        assertThat(zero.problems())
                .anySatisfy(p -> assertThat(p).hasMessageContaining(MonitorSettings.AWAIT_POLL_INTERVAL));
    }

    @Test
    void everyBadValueIsReportedWithItsKeyAndTheDefaultIsKept() {
        ApiaryConfig config = config(Map.of("apiary.workers.email.instances", "0",
                "apiary.workers.email.enabled", "yes", "apiary.workers.email.heartbeat-interval", "0",
                "apiary.workers.email.lease", "5s", "apiary.workers.email.prefetch", "-1"));

        WorkerSettings s = WorkerSettings.read(config, "email", 1, 2);

        assertThat(s.instances()).isEqualTo(2);
        assertThat(config.problems()).extracting(ConfigurationException::getMessage).containsExactlyInAnyOrder(
                "Invalid value '0' for apiary.workers.email.instances: expected a whole number of at least 1",
                "Invalid value 'yes' for apiary.workers.email.enabled: expected true or false",
                "Invalid value '0' for apiary.workers.email.heartbeat-interval: expected a positive duration",
                "Invalid value '-1' for apiary.workers.email.prefetch: expected a whole number of at least 0",
                "apiary.workers.email.lease (PT5S) must be longer than apiary.workers.email.heartbeat-interval"
                        + " (PT10S), or live workers lose their jobs; 0 turns orphan recovery off");
    }
}
