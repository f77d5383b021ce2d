package dev.apiary.benchmarks;

import com.github.kagkarlsson.scheduler.Scheduler;
import com.github.kagkarlsson.scheduler.SchedulerClient;
import com.github.kagkarlsson.scheduler.task.TaskInstance;
import com.github.kagkarlsson.scheduler.task.helper.OneTimeTask;
import com.github.kagkarlsson.scheduler.task.helper.Tasks;
import com.zaxxer.hikari.HikariConfig;
import com.zaxxer.hikari.HikariDataSource;
import org.jobrunr.configuration.JobRunr;
import org.jobrunr.scheduling.JobScheduler;
import org.jobrunr.server.BackgroundJobServer;
import org.jobrunr.storage.sql.postgres.PostgresStorageProvider;
import org.jobrunr.utils.mapper.jsonb.JsonbJsonMapper;
import org.quartz.Job;
import org.quartz.JobBuilder;
import org.quartz.JobDetail;
import org.quartz.JobExecutionContext;
import org.quartz.Trigger;
import org.quartz.TriggerBuilder;
import org.quartz.impl.StdSchedulerFactory;
import org.quartz.utils.ConnectionProvider;

import javax.sql.DataSource;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.Set;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.stream.IntStream;

/**
 * The job libraries a user would pick instead of Apiary, each draining the same number of no-op jobs with the same
 * number of threads on the same PostgreSQL, configured as its documentation recommends for throughput. The jobs are
 * enqueued first (not timed); the clock runs from the start of the scheduler until every job has run and its
 * completion is written. Each peer's settings are printed beside its figure.
 */
public final class Peers {

    /** One peer's drain: its name, what it was configured with, and its rate. */
    record Result(String name, String settings, double rate) {
    }

    private static final long TIMEOUT_MINUTES = 10;

    /** Held so that the levels stay set: java.util.logging keeps its loggers weakly. */
    private static final List<java.util.logging.Logger> QUIET = new ArrayList<>();

    static {
        // the peers log every start, poll and migration at INFO; their warnings and errors still show
        for (String name : List.of("org.jobrunr", "org.quartz", "com.github.kagkarlsson", "com.zaxxer")) {
            java.util.logging.Logger logger = java.util.logging.Logger.getLogger(name);
            logger.setLevel(java.util.logging.Level.WARNING);
            QUIET.add(logger);
        }
    }

    private Peers() {
    }

    /** A connection pool for the peers (each of them recommends one), on the benchmark's PostgreSQL. */
    static HikariDataSource pool(String url, int size) {
        HikariConfig config = new HikariConfig();
        config.setJdbcUrl(url);
        config.setUsername("postgres");
        config.setPassword("");
        config.setMaximumPoolSize(size);
        config.setPoolName("peers");
        return new HikariDataSource(config);
    }

    // ---- db-scheduler

    static final String DB_SCHEDULER_SETTINGS = "threads(" + JpaBenchmarks.THREADS
            + "), pollUsingLockAndFetch(1.0, 4.0)";
    private static volatile CountDownLatch dbSchedulerRan;

    /** db-scheduler 16: a one-time task, lock-and-fetch polling (SKIP LOCKED), its "high throughput" setting. */
    static Result dbScheduler(DataSource ds, int n) throws Exception {
        return dbScheduler(ds, n, JpaBenchmarks.THREADS, 0);
    }

    /**
     * db-scheduler as above with {@code threads} threads and jobs that each sleep {@code workMillis} (a call to
     * another system, say); its settings then name both.
     */
    static Result dbScheduler(DataSource ds, int n, int threads, int workMillis) throws Exception {
        createDbSchedulerTable(ds);
        dbSchedulerRan = new CountDownLatch(n);
        OneTimeTask<Void> task = Tasks.oneTime("noop").execute((instance, context) -> {
            if (workMillis > 0) {
                try {
                    Thread.sleep(workMillis);
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                    return;
                }
            }
            dbSchedulerRan.countDown();
        });
        SchedulerClient client = SchedulerClient.Builder.create(ds, task).build();
        List<TaskInstance<?>> batch = new ArrayList<>(1000);
        Instant now = Instant.now();
        for (int i = 0; i < n; i++) {
            batch.add(task.instance("job-" + i));
            if (batch.size() == 1000 || i == n - 1) {
                client.scheduleBatch(batch, now);
                batch.clear();
            }
        }
        Scheduler scheduler = Scheduler.create(ds, task).threads(threads)
                .pollUsingLockAndFetch(1.0, 4.0).build();
        long start = System.nanoTime();
        scheduler.start();
        try {
            await(dbSchedulerRan, n, "db-scheduler");
            // a done one-time execution is deleted
            awaitCount(ds, "SELECT count(*) FROM scheduled_tasks", 0, "db-scheduler");
            String settings = threads == JpaBenchmarks.THREADS && workMillis == 0 ? DB_SCHEDULER_SETTINGS
                    : "threads(" + threads + "), pollUsingLockAndFetch(1.0, 4.0)";
            return new Result("db-scheduler " + version(Scheduler.class, "com.github.kagkarlsson", "db-scheduler"),
                    settings, n / ((System.nanoTime() - start) / 1e9));
        } finally {
            scheduler.stop();
        }
    }

    private static void createDbSchedulerTable(DataSource ds) throws SQLException {
        try (Connection c = ds.getConnection(); Statement s = c.createStatement()) {
            // the table of db-scheduler's documentation for PostgreSQL
            s.execute("DROP TABLE IF EXISTS scheduled_tasks");
            s.execute("CREATE TABLE scheduled_tasks (task_name TEXT NOT NULL, task_instance TEXT NOT NULL, "
                    + "task_data BYTEA, execution_time TIMESTAMP WITH TIME ZONE NOT NULL, picked BOOLEAN NOT NULL, "
                    + "picked_by TEXT, last_success TIMESTAMP WITH TIME ZONE, "
                    + "last_failure TIMESTAMP WITH TIME ZONE, consecutive_failures INT, "
                    + "last_heartbeat TIMESTAMP WITH TIME ZONE, version BIGINT NOT NULL, priority SMALLINT, "
                    + "PRIMARY KEY (task_name, task_instance))");
            s.execute("CREATE INDEX execution_time_idx ON scheduled_tasks (execution_time)");
            s.execute("CREATE INDEX last_heartbeat_idx ON scheduled_tasks (last_heartbeat)");
            s.execute("CREATE INDEX priority_execution_time_idx ON scheduled_tasks (priority DESC, execution_time ASC)");
        }
    }

    // ---- JobRunr

    static final String JOBRUNR_SETTINGS = "andWorkerCount(" + JpaBenchmarks.THREADS + "), JSON-B mapper";
    private static volatile CountDownLatch jobRunrRan;

    /** Run by JobRunr's workers: JobRunr calls a public static method it found in the enqueued lambda. */
    public static void jobRunrJob(int i) {
        jobRunrRan.countDown();
    }

    /** JobRunr 8 (the open-source edition) with its PostgreSQL storage provider. */
    static Result jobRunr(DataSource ds, int n) throws Exception {
        jobRunrRan = new CountDownLatch(n);
        PostgresStorageProvider storage = new PostgresStorageProvider(ds);
        var configured = JobRunr.configure()
                .useJsonMapper(new JsonbJsonMapper())
                .useStorageProvider(storage)
                .useBackgroundJobServer(org.jobrunr.server.BackgroundJobServerConfiguration
                        .usingStandardBackgroundJobServerConfiguration().andWorkerCount(JpaBenchmarks.THREADS), false)
                .initialize();
        try {
            JobScheduler scheduler = configured.getJobScheduler();
            scheduler.enqueue(IntStream.range(0, n).boxed(), i -> Peers.jobRunrJob(i));
            BackgroundJobServer server = JobRunr.getBackgroundJobServer();
            long start = System.nanoTime();
            server.start();
            await(jobRunrRan, n, "JobRunr");
            awaitCount(ds, "SELECT count(*) FROM jobrunr_jobs WHERE state = 'SUCCEEDED'", n, "JobRunr");
            return new Result("JobRunr " + version(JobRunr.class, "org.jobrunr", "jobrunr"), JOBRUNR_SETTINGS,
                    n / ((System.nanoTime() - start) / 1e9));
        } finally {
            JobRunr.destroy();
            try (Connection c = ds.getConnection(); Statement s = c.createStatement()) {
                s.execute("DELETE FROM jobrunr_jobs");
            }
        }
    }

    // ---- Quartz

    static final String QUARTZ_SETTINGS = "JobStoreTX, threadCount " + JpaBenchmarks.THREADS
            + ", batchTriggerAcquisitionMaxCount " + JpaBenchmarks.THREADS + ", acquireTriggersWithinLock";
    private static volatile CountDownLatch quartzRan;
    private static volatile DataSource quartzDataSource;

    /** A Quartz job doing nothing but counting. */
    public static final class QuartzJob implements Job {
        @Override
        public void execute(JobExecutionContext context) {
            quartzRan.countDown();
        }
    }

    /** Hands Quartz the benchmark's pool. */
    public static final class QuartzConnections implements ConnectionProvider {
        @Override
        public Connection getConnection() throws SQLException {
            return quartzDataSource.getConnection();
        }

        @Override
        public void shutdown() {
        }

        @Override
        public void initialize() {
        }
    }

    /**
     * Quartz 2.5 with its JDBC job store, one one-shot trigger per job; trigger batching as its configuration guide
     * suggests for many triggers firing at once.
     */
    static Result quartz(DataSource ds, int n) throws Exception {
        createQuartzTables(ds);
        quartzRan = new CountDownLatch(n);
        quartzDataSource = ds;
        Properties p = new Properties();
        p.setProperty("org.quartz.scheduler.instanceName", "bench");
        p.setProperty("org.quartz.scheduler.skipUpdateCheck", "true");
        p.setProperty("org.quartz.threadPool.threadCount", String.valueOf(JpaBenchmarks.THREADS));
        p.setProperty("org.quartz.jobStore.class", "org.quartz.impl.jdbcjobstore.JobStoreTX");
        p.setProperty("org.quartz.jobStore.driverDelegateClass", "org.quartz.impl.jdbcjobstore.PostgreSQLDelegate");
        p.setProperty("org.quartz.jobStore.dataSource", "bench");
        p.setProperty("org.quartz.dataSource.bench.connectionProvider.class", QuartzConnections.class.getName());
        p.setProperty("org.quartz.scheduler.batchTriggerAcquisitionMaxCount", String.valueOf(JpaBenchmarks.THREADS));
        p.setProperty("org.quartz.jobStore.acquireTriggersWithinLock", "true");
        org.quartz.Scheduler scheduler = new StdSchedulerFactory(p).getScheduler();
        try {
            Map<JobDetail, Set<? extends Trigger>> batch = new LinkedHashMap<>();
            for (int i = 0; i < n; i++) {
                JobDetail job = JobBuilder.newJob(QuartzJob.class).withIdentity("job-" + i).build();
                batch.put(job, Set.of(TriggerBuilder.newTrigger().withIdentity("trigger-" + i).startNow().build()));
                if (batch.size() == 1000 || i == n - 1) {
                    scheduler.scheduleJobs(batch, false);
                    batch.clear();
                }
            }
            long start = System.nanoTime();
            scheduler.start();
            await(quartzRan, n, "Quartz");
            // a fired one-shot trigger and its non-durable job are deleted once the job completes
            awaitCount(ds, "SELECT count(*) FROM qrtz_triggers", 0, "Quartz");
            return new Result("Quartz " + version(org.quartz.Scheduler.class, "org.quartz-scheduler", "quartz"), QUARTZ_SETTINGS,
                    n / ((System.nanoTime() - start) / 1e9));
        } finally {
            scheduler.shutdown(true);
        }
    }

    private static void createQuartzTables(DataSource ds) throws SQLException, IOException {
        String script;
        try (InputStream in = org.quartz.Scheduler.class.getResourceAsStream(
                "/org/quartz/impl/jdbcjobstore/tables_postgres.sql")) {
            script = new String(in.readAllBytes(), StandardCharsets.UTF_8);
        }
        StringBuilder sql = new StringBuilder();
        for (String line : script.split("\n")) {
            if (!line.trim().startsWith("--")) {
                sql.append(line).append('\n');
            }
        }
        try (Connection c = ds.getConnection(); Statement s = c.createStatement()) {
            for (String statement : sql.toString().split(";")) {
                String t = statement.trim();
                if (!t.isEmpty() && !t.equalsIgnoreCase("commit")) {
                    s.execute(t);
                }
            }
        }
    }

    // ---- helpers

    private static void await(CountDownLatch latch, int n, String peer) throws InterruptedException {
        if (!latch.await(TIMEOUT_MINUTES, TimeUnit.MINUTES)) {
            throw new IllegalStateException(peer + " ran only " + (n - latch.getCount()) + " of " + n + " jobs in "
                    + TIMEOUT_MINUTES + " minutes");
        }
    }

    private static void awaitCount(DataSource ds, String sql, long expected, String peer) throws Exception {
        long deadline = System.nanoTime() + TimeUnit.MINUTES.toNanos(TIMEOUT_MINUTES);
        try (Connection c = ds.getConnection(); Statement s = c.createStatement()) {
            while (true) {
                try (ResultSet rs = s.executeQuery(sql)) {
                    rs.next();
                    if (rs.getLong(1) == expected) {
                        return;
                    }
                }
                if (System.nanoTime() > deadline) {
                    throw new IllegalStateException(peer + " did not write every completion in " + TIMEOUT_MINUTES
                            + " minutes: " + sql + " is not " + expected);
                }
                Thread.sleep(2);
            }
        }
    }

    /** The version of a peer's jar, from its Maven metadata or its manifest. */
    private static String version(Class<?> type, String group, String artifact) {
        try (InputStream in = type.getResourceAsStream("/META-INF/maven/" + group + "/" + artifact
                + "/pom.properties")) {
            if (in != null) {
                Properties p = new Properties();
                p.load(in);
                return p.getProperty("version", "");
            }
        } catch (IOException e) {
            // fall back to the manifest
        }
        String v = type.getPackage().getImplementationVersion();
        return v == null ? "" : v;
    }
}
