package dev.apiary.reliability;

import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import dev.apiary.impl.cdi.ApiaryExtension;
import io.smallrye.config.inject.ConfigExtension;
import io.smallrye.health.AsyncHealthCheckFactory;
import io.smallrye.health.SmallRyeHealth;
import io.smallrye.health.SmallRyeHealthReporter;
import jakarta.persistence.EntityManagerFactory;
import jakarta.persistence.Persistence;
import org.jboss.weld.environment.se.Weld;
import org.jboss.weld.environment.se.WeldContainer;
import org.postgresql.ds.PGSimpleDataSource;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.util.Map;
import java.util.function.Supplier;
import java.util.logging.LogManager;

/**
 * A worker node: a CDI application (Weld SE with Apiary's extension, SmallRye Config and SmallRye Health) whose
 * {@code @JobWorker} beans take jobs from JPA storages (Hibernate, resource-local) on PostgreSQL, started as a
 * separate JVM by the reliability tests.
 *
 * <p>Arguments: the JDBC URL, the node's name, the shutdown grace period (ISO-8601). Apiary settings come as system
 * properties ({@code -Dapiary.workers.work.lease=5s}), read through MicroProfile Config. It serves
 * {@code /health/ready} and {@code /health/live} (200 when UP, 503 when DOWN, the SmallRye Health JSON as body) on a
 * free port, which it prints as {@code NODE <name> HEALTH <port>}; it stops gracefully on SIGTERM: the CDI
 * {@code Shutdown} event lets the monitor finish running jobs within the grace period and hand back the rest. With
 * {@code -Dnode.job-threads=N} jobs run on a pool of N threads ({@link FixedPoolExecutors}).
 */
public final class WorkerNode {

    /** System property: where the run log writes, when not at the storages' JDBC URL. */
    static final String RUN_LOG_URL = "reliability.run-log-url";

    private WorkerNode() {
    }

    public static void main(String[] args) throws Exception {
        String url = args[0];
        String name = args[1];
        Duration grace = Duration.parse(args[2]);
        try (InputStream logging = WorkerNode.class.getResourceAsStream("/node-logging.properties")) {
            LogManager.getLogManager().readConfiguration(logging);
        }
        System.setProperty("apiary.shutdown.grace-period", grace.toString());
        for (String poison : new String[] {"throwing", "hanging", "erroring", "poisontext", "tick", "step",
                "stepjoin", "answer", "paced"}) {
            // the poison-job, schedule, workflow, answer and rate workers run only where a scenario asks for them
            System.setProperty("apiary.workers." + poison + ".enabled",
                    System.getProperty("apiary.workers." + poison + ".enabled", "false"));
        }
        System.setProperty("apiary.schedules.every-second.enabled",
                System.getProperty("apiary.schedules.every-second.enabled", "false"));

        EntityManagerFactory emf = Persistence.createEntityManagerFactory("apiary-node",
                Map.of("jakarta.persistence.jdbc.url", url));
        PGSimpleDataSource listen = new PGSimpleDataSource();
        listen.setURL(url);
        listen.setConnectTimeout(2);
        RunLog runLog = new RunLog(System.getProperty(RUN_LOG_URL, url), name);
        NodeStorages.use(emf, listen, runLog);

        Weld weld = new Weld("node-" + name).disableDiscovery().skipShutdownHook();
        if (System.getProperty(FixedPoolExecutors.THREADS) != null) {
            weld.addBeanClass(FixedPoolExecutors.class);
        }
        WeldContainer container = weld
                .addBeanClasses(NodeStorages.class, NodeWorkers.WorkWorker.class, NodeWorkers.ThrowingWorker.class,
                        NodeWorkers.HangingWorker.class, NodeWorkers.ErroringWorker.class, NodeWorkers.TickWorker.class,
                        NodeWorkers.PoisonTextWorker.class, NodeWorkers.StepWorker.class,
                        NodeWorkers.StepJoinWorker.class, NodeWorkers.AnswerWorker.class, NodeWorkers.PacedWorker.class,
                        SmallRyeHealthReporter.class, AsyncHealthCheckFactory.class)
                .addExtension(new ApiaryExtension())
                .addExtension(new ConfigExtension())
                .initialize();
        SmallRyeHealthReporter health = container.select(SmallRyeHealthReporter.class).get();

        HttpServer server = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 0);
        server.createContext("/health/ready", exchange -> respond(exchange, health::getReadiness));
        server.createContext("/health/live", exchange -> respond(exchange, health::getLiveness));
        server.start();

        Runtime.getRuntime().addShutdownHook(new Thread(() -> {
            say("NODE " + name + " STOPPING " + Instant.now());
            // the Shutdown event: the monitor stops claiming, waits up to the grace period, hands back the rest
            container.shutdown();
            server.stop(0);
            runLog.close();
            emf.close();
            say("NODE " + name + " STOPPED " + Instant.now());
        }, "node-shutdown"));
        say("NODE " + name + " HEALTH " + server.getAddress().getPort());
        Thread.currentThread().join();
    }

    static void respond(HttpExchange exchange, Supplier<SmallRyeHealth> check) throws IOException {
        byte[] body;
        int status;
        try {
            SmallRyeHealth result = check.get();
            body = result.getPayload().toString().getBytes(StandardCharsets.UTF_8);
            status = result.isDown() ? 503 : 200;
        } catch (RuntimeException e) {
            body = String.valueOf(e).getBytes(StandardCharsets.UTF_8);
            status = 500;
        }
        exchange.getResponseHeaders().set("Content-Type", "application/json");
        exchange.sendResponseHeaders(status, body.length);
        try (OutputStream out = exchange.getResponseBody()) {
            out.write(body);
        }
    }

    private static void say(String line) {
        System.out.println(line);
        System.out.flush();
    }
}
