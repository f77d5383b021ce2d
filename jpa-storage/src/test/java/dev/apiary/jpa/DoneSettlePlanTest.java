package dev.apiary.jpa;

import dev.apiary.Job;
import dev.apiary.JobOptions;
import jakarta.persistence.EntityManagerFactory;
import org.junit.jupiter.api.Test;

import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.Statement;
import java.sql.Timestamp;
import java.time.LocalDateTime;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * On PostgreSQL the settle of done jobs reads only the index entries of the claims that took them. By statistics
 * taken while almost nothing ran, the planner reads the partial index of running jobs (queue, lock time) for it;
 * without a bound on the lock time that was every entry of the queue, in a long drain mostly dead ones, tested one by
 * one against the ids, and settles took seconds.
 */
class DoneSettlePlanTest {

    @Test
    void aSettleOfDoneJobsReadsOnlyTheEntriesOfTheirClaim() throws Exception {
        EntityManagerFactory emf = TestDatabases.emf(TestDatabases.Provider.HIBERNATE, TestDatabases.Db.POSTGRESQL);
        JpaJobStorage<String> storage = JpaJobStorage.builder(emf)
                .queue("settle-plan-" + UUID.randomUUID(), String.class).build();
        List<String> payloads = new ArrayList<>();
        for (int i = 0; i < 20_000; i++) {
            payloads.add("job " + i);
        }
        storage.pushAll(payloads, JobOptions.defaults());
        try (Connection c = TestDatabases.postgresDataSource().getConnection(); Statement s = c.createStatement()) {
            // statistics taken while nothing runs: by them the index of running jobs looks empty, hence cheap
            s.execute("ANALYZE apiary_jobs");
        }
        List<Job<String>> claimed = storage.claim("worker-1", 512);
        assertThat(claimed).hasSize(512);
        LocalDateTime lockedAt;
        try (Connection c = TestDatabases.postgresDataSource().getConnection();
             PreparedStatement read = c.prepareStatement("SELECT locked_at FROM apiary_jobs WHERE id = ?")) {
            read.setString(1, claimed.get(0).id());
            try (ResultSet row = read.executeQuery()) {
                row.next();
                lockedAt = row.getTimestamp(1).toLocalDateTime();
            }
        }

        String unbounded = plan(H2Sql.settleDoneSql(512, false), storage, claimed, null);
        String bounded = plan(H2Sql.settleDoneSql(512, true), storage, claimed, lockedAt);

        assertThat(unbounded).as("the plan without the bound (why it is there)").contains("apiary_jobs_running")
                .doesNotContainPattern("Index Cond: .*locked_at");
        assertThat(bounded).as("the settle's plan")
                .satisfiesAnyOf(plan -> assertThat(plan).contains("apiary_jobs_pkey"),
                        plan -> assertThat(plan).containsPattern("Index Cond: .*locked_at >= .*locked_at <= "));
    }

    private static String plan(String statement, JpaJobStorage<String> storage, List<Job<String>> claimed,
                               LocalDateTime lockedAt) throws Exception {
        StringBuilder plan = new StringBuilder();
        try (Connection c = TestDatabases.postgresDataSource().getConnection();
             PreparedStatement explain = c.prepareStatement("EXPLAIN " + statement.replaceAll("\\?\\d+", "?"))) {
            int p = 1;
            explain.setTimestamp(p++, Timestamp.valueOf(LocalDateTime.now()));
            explain.setString(p++, storage.queue());
            explain.setString(p++, "worker-1");
            explain.setInt(p++, 1);
            if (lockedAt != null) {
                explain.setTimestamp(p++, Timestamp.valueOf(lockedAt));
                explain.setTimestamp(p++, Timestamp.valueOf(lockedAt));
            }
            for (Job<String> job : claimed) {
                explain.setString(p++, job.id());
            }
            try (ResultSet rows = explain.executeQuery()) {
                while (rows.next()) {
                    plan.append(rows.getString(1)).append('\n');
                }
            }
        }
        return plan.toString();
    }
}
