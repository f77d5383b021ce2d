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
 * On PostgreSQL the settle of done jobs finds them by their primary key, even when the statistics say almost no job
 * runs: the planner then preferred the partial index of running jobs and read all of the queue's entries in it
 * (dead ones too), testing each against every id, so that in a long drain a settle took seconds.
 */
class DoneSettlePlanTest {

    @Test
    void aSettleOfDoneJobsReadsThePrimaryKeyNotTheIndexOfRunningJobs() throws Exception {
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

        // the storage's own statement for a batch of 512, with the values its settle binds
        String sql = "EXPLAIN " + H2Sql.settleDoneSql(512).replaceAll("\\?\\d+", "?");
        StringBuilder plan = new StringBuilder();
        try (Connection c = TestDatabases.postgresDataSource().getConnection();
             PreparedStatement explain = c.prepareStatement(sql)) {
            explain.setTimestamp(1, Timestamp.valueOf(LocalDateTime.now()));
            explain.setString(2, storage.queue());
            explain.setString(3, "worker-1");
            explain.setInt(4, 1);
            for (int i = 0; i < 512; i++) {
                explain.setString(5 + i, claimed.get(i).id());
            }
            try (ResultSet rows = explain.executeQuery()) {
                while (rows.next()) {
                    plan.append(rows.getString(1)).append('\n');
                }
            }
        }

        assertThat(plan.toString()).as("the settle's plan").contains("apiary_jobs_pkey")
                .doesNotContain("apiary_jobs_running");
    }
}
