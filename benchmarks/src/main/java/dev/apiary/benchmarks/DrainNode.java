package dev.apiary.benchmarks;

import dev.apiary.Outcome;
import dev.apiary.jpa.JpaJobStorage;
import dev.apiary.worker.Monitor;
import dev.apiary.worker.WorkerBuilder;
import jakarta.persistence.EntityManagerFactory;
import jakarta.persistence.Persistence;

import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.util.Map;

/**
 * One worker node of the scale benchmark, run as a process of its own: a monitor with one worker instance of
 * {@link JpaBenchmarks#THREADS} slots and otherwise the defaults on the given PostgreSQL queue. It prints {@code READY} once polling and stops
 * when its standard input closes.
 * Arguments: JDBC URL, queue.
 */
public final class DrainNode {

    private DrainNode() {
    }

    public static void main(String[] args) throws Exception {
        EntityManagerFactory emf = Persistence.createEntityManagerFactory("apiary-bench", Map.of(
                "jakarta.persistence.jdbc.url", args[0], "jakarta.persistence.jdbc.user", "postgres",
                "jakarta.persistence.jdbc.password", ""));
        JpaJobStorage<Noop> storage = JpaJobStorage.builder(emf).queue(args[1], Noop.class).build();
        Monitor monitor = Monitor.create();
        monitor.register(WorkerBuilder.named("node").source(storage).concurrency(JpaBenchmarks.THREADS)
                .handler(job -> Outcome.done()));
        monitor.start();
        System.out.println("READY");
        System.out.flush();
        try (BufferedReader in = new BufferedReader(new InputStreamReader(System.in, StandardCharsets.UTF_8))) {
            while (in.readLine() != null) {
                // the benchmark closes our input to stop us
            }
        }
        monitor.stop();
        emf.close();
    }
}
