package dev.apiary.reliability;

import dev.apiary.jpa.JobSchema;
import dev.apiary.jpa.JpaJobStorage;
import io.zonky.test.db.postgres.embedded.EmbeddedPostgres;
import jakarta.persistence.EntityManagerFactory;
import jakarta.persistence.Persistence;
import org.postgresql.ds.PGSimpleDataSource;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.net.ServerSocket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.logging.LogManager;
import java.util.stream.Stream;

/**
 * One scenario's world: an embedded PostgreSQL with Apiary's schema and the run log's tables, the worker nodes
 * started on it, and the test's own storage for pushing. The database keeps its data directory and port, so it can
 * be stopped and started again under running nodes. {@link #close()} kills every node that is still alive.
 */
final class Cluster implements AutoCloseable {

    /** Fast failure detection, so that recovery takes seconds: heartbeat every second, a lease of five. */
    static final Duration HEARTBEAT = Duration.ofSeconds(1);
    static final Duration LEASE = Duration.ofSeconds(5);

    static {
        try (InputStream logging = Cluster.class.getResourceAsStream("/node-logging.properties")) {
            LogManager.getLogManager().readConfiguration(logging);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private final String scenario;
    private final Path dir;
    private final Path dataDir;
    private final int port;
    private final List<Node> nodes = new ArrayList<>();
    private EmbeddedPostgres postgres;
    private EntityManagerFactory emf;

    private Cluster(String scenario) throws IOException {
        this.scenario = scenario;
        this.dir = Path.of("target", "reliability", scenario).toAbsolutePath();
        deleteRecursively(dir);
        Files.createDirectories(dir);
        this.dataDir = Files.createTempDirectory("apiary-pg-");
        try (ServerSocket socket = new ServerSocket(0)) {
            this.port = socket.getLocalPort();
        }
    }

    /** Starts PostgreSQL and creates the tables. */
    static Cluster start(String scenario) throws IOException, SQLException {
        Cluster cluster = new Cluster(scenario);
        cluster.startDatabase();
        try (Connection c = cluster.connect(); Statement s = c.createStatement()) {
            JobSchema.create(c);
            for (String statement : RunLog.SCHEMA.split(";")) {
                if (!statement.isBlank()) {
                    s.execute(statement);
                }
            }
        }
        return cluster;
    }

    String jdbcUrl() {
        return jdbcUrl(port);
    }

    /** The database through something listening on {@code port} of loopback (a {@link TcpProxy}). */
    static String jdbcUrl(int port) {
        return "jdbc:postgresql://localhost:" + port + "/postgres?user=postgres";
    }

    /** PostgreSQL's port. */
    int port() {
        return port;
    }

    /** Starts (or starts again) PostgreSQL on the same data directory and port. */
    void startDatabase() throws IOException {
        postgres = EmbeddedPostgres.builder().setDataDirectory(dataDir).setCleanDataDirectory(false).setPort(port)
                .setOutputRedirector(ProcessBuilder.Redirect.appendTo(dir.resolve("postgres.log").toFile()))
                .setErrorRedirector(ProcessBuilder.Redirect.appendTo(dir.resolve("postgres.log").toFile()))
                .start();
    }

    /** Stops PostgreSQL ({@code pg_ctl stop -m fast}: open connections are cut). */
    void stopDatabase() throws IOException {
        postgres.close();
        postgres = null;
    }

    Node startNode(String name, Duration gracePeriod) {
        return startNode(name, gracePeriod, Map.of());
    }

    /** Starts a worker node; {@code settings} add to or override the scenario defaults. */
    Node startNode(String name, Duration gracePeriod, Map<String, String> settings) {
        return startNode(name, gracePeriod, settings, jdbcUrl());
    }

    /**
     * Starts a worker node whose storages reach the database at {@code jdbcUrl} (through a proxy, say); its run log
     * still writes to the database directly, so that the record of runs does not depend on the fault.
     */
    Node startNode(String name, Duration gracePeriod, Map<String, String> settings, String jdbcUrl) {
        Map<String, String> all = new LinkedHashMap<>();
        all.put("apiary.workers.work.heartbeat-interval", HEARTBEAT.toMillis() + "ms");
        all.put("apiary.workers.work.lease", LEASE.toMillis() + "ms");
        all.put("apiary.workers.work.max-poll-interval", "1s");
        all.put(WorkerNode.RUN_LOG_URL, jdbcUrl());
        all.putAll(settings);
        Node node = Node.start(name, jdbcUrl, gracePeriod, all, dir);
        nodes.add(node);
        return node;
    }

    /** A storage of {@code queue} for the test itself (pushing, reading), on a factory of its own. */
    <T> JpaJobStorage<T> storage(String queue, Class<T> type) {
        return JpaJobStorage.builder(emf()).queue(queue, type).build();
    }

    /**
     * A storage of {@code queue} for the test itself that listens for notifications (pushes and completions on any
     * node), as a node's storages do.
     */
    <T> JpaJobStorage<T> listeningStorage(String queue, Class<T> type) {
        PGSimpleDataSource listen = new PGSimpleDataSource();
        listen.setURL(jdbcUrl());
        return JpaJobStorage.builder(emf()).queue(queue, type).notifications(listen).build();
    }

    private EntityManagerFactory emf() {
        if (emf == null) {
            emf = Persistence.createEntityManagerFactory("apiary-node",
                    Map.of("jakarta.persistence.jdbc.url", jdbcUrl()));
        }
        return emf;
    }

    Connection connect() throws SQLException {
        return DriverManager.getConnection(jdbcUrl());
    }

    /** The single number a query returns. */
    long count(String sql, Object... params) {
        return ((Number) query(sql, params).get(0).values().iterator().next()).longValue();
    }

    /** Every row of a query, column name to value. */
    List<Map<String, Object>> query(String sql, Object... params) {
        try (Connection c = connect(); PreparedStatement s = c.prepareStatement(sql)) {
            for (int i = 0; i < params.length; i++) {
                s.setObject(i + 1, params[i]);
            }
            List<Map<String, Object>> rows = new ArrayList<>();
            try (ResultSet rs = s.executeQuery()) {
                while (rs.next()) {
                    Map<String, Object> row = new LinkedHashMap<>();
                    for (int i = 1; i <= rs.getMetaData().getColumnCount(); i++) {
                        row.put(rs.getMetaData().getColumnLabel(i), rs.getObject(i));
                    }
                    rows.add(row);
                }
            }
            return rows;
        } catch (SQLException e) {
            throw new IllegalStateException("Query failed: " + sql, e);
        }
    }

    void execute(String sql, Object... params) {
        try (Connection c = connect(); PreparedStatement s = c.prepareStatement(sql)) {
            for (int i = 0; i < params.length; i++) {
                s.setObject(i + 1, params[i]);
            }
            s.execute();
        } catch (SQLException e) {
            throw new IllegalStateException("Statement failed: " + sql, e);
        }
    }

    /** Jobs of a queue per status. */
    Map<String, Long> statusCounts(String queue) {
        Map<String, Long> counts = new HashMap<>();
        for (Map<String, Object> row : query("SELECT status, COUNT(*) AS n FROM apiary_jobs WHERE queue = ? "
                + "GROUP BY status", queue)) {
            counts.put((String) row.get("status"), ((Number) row.get("n")).longValue());
        }
        return counts;
    }

    /** Prints the scenario's summary line to the test output and appends it to target/reliability/summary.txt. */
    void summary(String line) {
        String text = "RELIABILITY " + scenario + ": " + line;
        System.out.println(text);
        try {
            Files.writeString(dir.getParent().resolve("summary.txt"), text + System.lineSeparator(),
                    StandardOpenOption.CREATE, StandardOpenOption.APPEND);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    @Override
    public void close() throws IOException {
        for (Node node : nodes) {
            node.destroy();
        }
        if (emf != null) {
            emf.close();
        }
        if (postgres != null) {
            postgres.close();
        }
        deleteRecursively(dataDir);
    }

    private static void deleteRecursively(Path path) throws IOException {
        if (!Files.exists(path)) {
            return;
        }
        try (Stream<Path> walk = Files.walk(path)) {
            for (Path p : walk.sorted(Comparator.reverseOrder()).toList()) {
                Files.deleteIfExists(p);
            }
        }
    }
}
