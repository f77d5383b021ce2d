package dev.apiary.dashboard;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import java.time.Clock;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.logging.Handler;
import java.util.logging.Level;
import java.util.logging.LogRecord;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** The audit trail: each admin action with who, when, what and how many jobs, in the log and among the latest. */
class AuditTrailTest {

    private static final Instant NOON = Instant.parse("2026-12-07T12:00:00Z");

    private final List<LogRecord> logged = new CopyOnWriteArrayList<>();
    private final Handler capture = new Handler() {
        @Override
        public void publish(LogRecord record) {
            logged.add(record);
        }

        @Override
        public void flush() {
        }

        @Override
        public void close() {
        }
    };

    @BeforeEach
    void listen() {
        AuditTrail.LOG.addHandler(capture);
    }

    @AfterEach
    void stopListening() {
        AuditTrail.LOG.removeHandler(capture);
    }

    @Test
    void anActionIsRecordedWithUserTimeTargetAndCount() {
        AuditTrail trail = new AuditTrail(10, Clock.fixed(NOON, ZoneOffset.UTC));

        trail.record("alice", "retry", "queue report, every FAILED job", 3);

        assertThat(trail.latest()).containsExactly(
                new AuditEntry(NOON, "alice", "retry", "queue report, every FAILED job", 3));
        assertThat(logged).singleElement().satisfies(record -> {
            assertThat(record.getLevel()).isEqualTo(Level.INFO);
            assertThat(record.getLoggerName()).isEqualTo("dev.apiary.dashboard.audit");
            assertThat(record.getMessage()).isEqualTo("Apiary dashboard audit: user 'alice' retry queue report, "
                    + "every FAILED job: 3 jobs at 2026-12-07T12:00:00Z");
        });
    }

    @Test
    void theTrailKeepsTheLatestEntriesNewestFirstAndLogsEveryOne() {
        AuditTrail trail = new AuditTrail(3, Clock.fixed(NOON, ZoneOffset.UTC));

        for (int i = 1; i <= 5; i++) {
            trail.record("bob", "delete", "queue email, job " + i, 1);
        }

        assertThat(trail.latest()).extracting(AuditEntry::target)
                .containsExactly("queue email, job 5", "queue email, job 4", "queue email, job 3");
        assertThat(logged).hasSize(5);
    }

    @Test
    void aTrailOfSizeZeroOnlyLogs() {
        AuditTrail trail = new AuditTrail(0, Clock.systemUTC());

        trail.record("carol", "pause", "schedule nightly", 0);

        assertThat(trail.latest()).isEmpty();
        assertThat(logged).hasSize(1);
    }

    @Test
    void aNegativeSizeIsRefusedNamingTheKey() {
        assertThatThrownBy(() -> new AuditTrail(-1, Clock.systemUTC()))
                .hasMessageContaining("apiary.dashboard.audit-size").hasMessageContaining("-1");
    }
}
