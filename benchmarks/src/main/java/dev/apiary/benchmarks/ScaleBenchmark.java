package dev.apiary.benchmarks;

import dev.apiary.JobOptions;
import dev.apiary.jpa.JpaJobStorage;
import jakarta.persistence.EntityManagerFactory;

import java.io.BufferedReader;
import java.io.File;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * Drain rate with several worker processes on one PostgreSQL. The jobs are pushed to fall due at one instant after
 * every node is polling, and the clock runs from that instant until the last one is done, so process start-up and
 * the enqueue are not counted.
 */
final class ScaleBenchmark {

    private ScaleBenchmark() {
    }

    private static void awaitDone(BenchDatabases databases, String queue, long total, long start) throws Exception {
        try (Connection c = databases.connect(BenchDatabases.Db.POSTGRESQL);
             PreparedStatement count = c.prepareStatement(
                     "SELECT count(*) FROM apiary_jobs WHERE queue = ? AND status = 'DONE'")) {
            count.setString(1, queue);
            while (true) {
                try (ResultSet rs = count.executeQuery()) {
                    rs.next();
                    if (rs.getLong(1) >= total) {
                        return;
                    }
                }
                if (System.nanoTime() - start > TimeUnit.MINUTES.toNanos(5)) {
                    throw new IllegalStateException("The nodes did not drain " + total + " jobs in 5 minutes");
                }
                Thread.sleep(5);
            }
        }
    }


    /** Waits until a job beyond the {@code warm} ones is claimed; returns System.nanoTime() of that moment. */
    private static long awaitFirstClaim(BenchDatabases databases, String queue, long warm) throws Exception {
        long deadline = System.nanoTime() + TimeUnit.MINUTES.toNanos(1);
        try (Connection c = databases.connect(BenchDatabases.Db.POSTGRESQL);
             PreparedStatement count = c.prepareStatement(
                     "SELECT count(*) FROM apiary_jobs WHERE queue = ? AND status <> 'PENDING'")) {
            count.setString(1, queue);
            while (System.nanoTime() < deadline) {
                try (ResultSet rs = count.executeQuery()) {
                    rs.next();
                    if (rs.getLong(1) > warm) {
                        return System.nanoTime();
                    }
                }
                Thread.sleep(1);
            }
        }
        throw new IllegalStateException("No node claimed a job within a minute of the jobs falling due");
    }

    static double drainWithNodes(BenchDatabases databases, EntityManagerFactory emf, int nodes, int n, String queue)
            throws Exception {
        String url = databases.url(BenchDatabases.Db.POSTGRESQL);
        List<Process> processes = new ArrayList<>();
        try {
            for (int i = 0; i < nodes; i++) {
                Process p = new ProcessBuilder(System.getProperty("java.home") + File.separator + "bin"
                        + File.separator + "java", "-cp", System.getProperty("java.class.path"),
                        DrainNode.class.getName(), url, queue)
                        .redirectError(ProcessBuilder.Redirect.DISCARD).start();
                processes.add(p);
            }
            for (Process p : processes) {
                BufferedReader out = new BufferedReader(new InputStreamReader(p.getInputStream(),
                        StandardCharsets.UTF_8));
                String line;
                while ((line = out.readLine()) != null && !line.equals("READY")) {
                    // start-up output
                }
                if (line == null) {
                    throw new IllegalStateException("A drain node ended before it was ready");
                }
            }
            JpaJobStorage<Noop> storage = JpaJobStorage.builder(emf).queue(queue, Noop.class).build();
            // warm the nodes' JIT up first, so that the figure is a steady rate and not a cold JVM's
            int warm = Math.min(n, 5_000);
            List<Noop> warmUp = new ArrayList<>(warm);
            for (int i = 0; i < warm; i++) {
                warmUp.add(new Noop(i, 0));
            }
            storage.pushAll(warmUp, JobOptions.defaults());
            awaitDone(databases, queue, warm, System.nanoTime());
            Instant due = Instant.now().plusSeconds(3 + n / 20_000);
            List<Noop> batch = new ArrayList<>(1000);
            for (int i = 0; i < n; i++) {
                batch.add(new Noop(i, 0));
                if (batch.size() == 1000 || i == n - 1) {
                    storage.pushAll(batch, JobOptions.defaults().withRunAt(due));
                    batch.clear();
                }
            }
            long waitMillis = due.toEpochMilli() - System.currentTimeMillis();
            if (waitMillis < 0) {
                throw new IllegalStateException("The enqueue took longer than the lead time; use fewer jobs");
            }
            Thread.sleep(waitMillis);
            // idle nodes have backed off their polls (up to maxPollInterval) while the jobs were not due yet: the
            // clock starts at the first claim, so that it measures the drain and not the idle backoff
            long start = awaitFirstClaim(databases, queue, warm);
            awaitDone(databases, queue, warm + n, start);
            return n / ((System.nanoTime() - start) / 1e9);
        } finally {
            for (Process p : processes) {
                p.getOutputStream().close();
            }
            for (Process p : processes) {
                if (!p.waitFor(20, TimeUnit.SECONDS)) {
                    p.destroyForcibly();
                }
            }
        }
    }
}
