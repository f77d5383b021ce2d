package dev.apiary.examples.war.smoke;

import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.attribute.FileTime;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The example WAR redeployed 20 times on WildFly (replaced in the deployment scanner's folder, as a CI pipeline
 * does): an undeploy leaves no thread of the application and no copy of Apiary's classes behind. Measured with the
 * JDK's {@code jcmd}: live threads by name ({@code Thread.print}), and, after a full GC, the rows of
 * {@code GC.class_histogram} for Apiary's classes (each loaded copy of a class with live instances is a row of its
 * own) and the number of JBoss Modules class loaders. About 3 minutes here: {@code -Plong}, or {@code -Dit.test=}.
 * <p>
 * Measured on 2026-12-07 (after 1, 5, 10, 15, 20 redeploys), first with JmsConsumption's own timer thread: threads
 * 94, 102, 111, 122, 132; {@code apiary-*} threads 2, 6, 11, 16, 21 (one {@code apiary-jms-reconnect} per
 * deployment); {@code Cleaner-N} threads 3 to 22; histogram rows of {@code dev.apiary} classes 261, 636, 1116, 1586,
 * 2062 (a whole copy of Apiary's classes kept per redeploy); JBoss Modules class loaders 435 to 454. Without that
 * thread, with Apiary's ticks still on WildFly's managed scheduler: threads 163, 100, 104, 108, 112 (one
 * {@code apiary-listen}), {@code Cleaner-N} 3 to 21, rows 312, 648, 1043, 1551, 1938, class loaders 435 to 452
 * (most likely the managed scheduler, shared by every application and never shut down, still held each old
 * deployment's delayed tasks; not traced to a GC root). With the ticks on Apiary's own pool of managed threads,
 * shut down at undeploy: threads 173, 116, 111, 112, 112 (14 of the pool, one {@code apiary-listen}), rows 234,
 * 232, 232, 251, 234, class loaders 435 throughout, no class of Apiary's in more than two copies; {@code Cleaner-N}
 * threads (the PostgreSQL driver in the WAR starts one per loaded copy) 3 after one redeploy, 8 after twenty.
 * The one older copy left (the test allows two) is held by Artemis: the server's shared JMS connection factory
 * keeps the stack trace of the call that first made its server locator, in the first deployment, and the stack
 * names Apiary's classes; it does not grow. {@code -Dsmoke.heap-dump=file} dumps the heap at the end, for a look at
 * GC roots.
 */
class WildFlyRedeployLongIT {

    private static final int REDEPLOYS = 20;
    private static final Duration REDEPLOY_TIMEOUT = Duration.ofSeconds(120);
    private static final Pattern THREAD = Pattern.compile("^\"([^\"]*)\"");
    private static final Pattern HISTOGRAM_ROW = Pattern.compile("^\\s*\\d+:\\s+(\\d+)\\s+(\\d+)\\s+(\\S+)");

    /** What one look at the server's JVM found. */
    record Count(int redeploys, int threads, Map<String, Integer> threadsByName, int apiaryThreads,
                 int apiaryClassRows, int workerInstanceRows, long moduleClassLoaders,
                 Map<String, String> keptCopies) {

        @Override
        public String toString() {
            return "after " + redeploys + " redeploys: " + threads + " threads (" + apiaryThreads + " apiary-*), "
                    + apiaryClassRows + " rows of dev.apiary classes in the histogram (WorkerInstance: "
                    + workerInstanceRows + "), " + moduleClassLoaders + " ModuleClassLoaders";
        }
    }

    @Test
    void redeployingTwentyTimesLeavesNoThreadsOrClassCopiesBehind() throws Exception {
        WildFly server = new WildFly();
        Path war = Path.of(System.getProperty("smoke.war", "target/apiary-example.war"));
        Path work = Path.of(System.getProperty("smoke.work", "target/smoke")).resolve("wildfly-redeploy");
        try (server; StorageOutageSmoke database = StorageOutageSmoke.start(work)) {
            Path deployable = database.war(war);
            server.start(deployable, work, SmokeScenario.settings(server));
            try {
                awaitReady(server, 0);
                List<Count> counts = new ArrayList<>();
                counts.add(count(server, 0));
                for (int i = 1; i <= REDEPLOYS; i++) {
                    redeploy(server, deployable, i);
                    if (i == 1 || i % 5 == 0) {
                        counts.add(count(server, i));
                        System.out.println("wildfly redeploy " + counts.get(counts.size() - 1));
                    }
                }
                Count first = counts.get(1);
                Count last = counts.get(counts.size() - 1);
                System.out.println("wildfly redeploy: threads by name after 1 " + first.threadsByName());
                System.out.println("wildfly redeploy: threads by name after " + REDEPLOYS + " "
                        + last.threadsByName());
                System.out.println("wildfly redeploy: Apiary classes loaded more than twice after " + REDEPLOYS
                        + " (copies with instances, instances) " + last.keptCopies());
                String dump = System.getProperty("smoke.heap-dump");
                if (dump != null) {
                    // for a look at what holds the old class loaders (GC roots), with any HPROF viewer
                    jcmd(server.jvmPid(), "GC.heap_dump " + Path.of(dump).toAbsolutePath());
                    System.out.println("wildfly redeploy: heap dumped to " + dump);
                }
                // one redeploy's worth of slack: the old copy may still be on its way out when we look
                assertThat(last.apiaryThreads()).as("threads named apiary-*: " + counts)
                        .isLessThanOrEqualTo(first.apiaryThreads());
                assertThat(last.threads()).as("live threads: " + counts).isLessThanOrEqualTo(first.threads() + 8);
                assertThat(last.apiaryClassRows()).as("histogram rows of Apiary's classes: " + counts)
                        .isLessThanOrEqualTo(2 * first.apiaryClassRows());
                assertThat(last.workerInstanceRows()).as("loaded copies of WorkerInstance with instances: " + counts)
                        .isLessThanOrEqualTo(2);
                assertThat(last.moduleClassLoaders()).as("JBoss Modules class loaders: " + counts)
                        .isLessThanOrEqualTo(first.moduleClassLoaders() + 2);
            } catch (AssertionError | Exception e) {
                throw new AssertionError("wildfly redeploys: " + e.getMessage() + "\n--- last lines of "
                        + server.log() + " ---\n" + server.logTail(60), e);
            }
        }
    }

    /** Replaces the WAR in the scanner's folder, and waits for WildFly to redeploy it and the workers to run. */
    private static void redeploy(WildFly server, Path war, int nth) throws Exception {
        Path target = server.deployments().resolve(war.getFileName());
        Path staged = server.deployments().getParent().resolve(war.getFileName() + ".new");
        Files.copy(war, staged, StandardCopyOption.REPLACE_EXISTING);
        Files.setLastModifiedTime(staged, FileTime.from(Instant.now()));
        Files.move(staged, target, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
        awaitReady(server, nth);
    }

    /**
     * Waits until WildFly has logged {@code replaced} redeploys ({@code WFLYSRV0016}) and readiness, Apiary's check
     * included, is UP again.
     */
    private static void awaitReady(WildFly server, int replaced) throws Exception {
        Http http = new Http();
        Instant deadline = Instant.now().plus(replaced == 0 ? SmokeScenario.BOOT_TIMEOUT : REDEPLOY_TIMEOUT);
        String last = "nothing yet";
        while (Instant.now().isBefore(deadline)) {
            assertThat(server.isAlive()).as("wildfly alive").isTrue();
            long done = server.logLines().stream().filter(l -> l.contains("WFLYSRV0016")).count();
            if (done >= replaced) {
                try {
                    Http.Answer ready = http.get(server.health().resolve("ready"));
                    last = ready.status() + " " + ready.body();
                    if (ready.status() == 200 && ready.body().contains("apiary-workers")
                            && ready.body().contains("\"running\"")) {
                        return;
                    }
                } catch (IOException e) {
                    last = e.toString();
                }
            } else {
                last = done + " redeploys logged";
            }
            Thread.sleep(200);
        }
        throw new AssertionError("redeploy " + replaced + " not ready within the timeout; last: " + last);
    }

    private static Count count(ServerProcess server, int redeploys) throws Exception {
        long pid = server.jvmPid();
        Map<String, Integer> byName = new TreeMap<>();
        int threads = 0;
        for (String line : jcmd(pid, "Thread.print")) {
            Matcher m = THREAD.matcher(line);
            if (m.find()) {
                threads++;
                // a pool's threads under one name: "EE-ManagedExecutorService-default-Thread-3" counts as "...-#"
                byName.merge(m.group(1).replaceAll("\\d+", "#"), 1, Integer::sum);
            }
        }
        int apiaryThreads = byName.entrySet().stream().filter(e -> e.getKey().startsWith("apiary"))
                .mapToInt(Map.Entry::getValue).sum();
        jcmd(pid, "GC.run");
        int apiaryRows = 0;
        int workerInstanceRows = 0;
        long loaders = 0;
        Map<String, int[]> copies = new TreeMap<>();
        for (String line : jcmd(pid, "GC.class_histogram")) {
            Matcher m = HISTOGRAM_ROW.matcher(line);
            if (!m.find()) {
                continue;
            }
            String type = m.group(3);
            if (type.startsWith("dev.apiary.")) {
                apiaryRows++;
                int[] c = copies.computeIfAbsent(type, t -> new int[2]);
                c[0]++;
                c[1] += Integer.parseInt(m.group(1));
            }
            if (type.equals("dev.apiary.impl.worker.WorkerInstance")) {
                workerInstanceRows++;
            }
            if (type.equals("org.jboss.modules.ModuleClassLoader")) {
                loaders += Long.parseLong(m.group(1));
            }
        }
        Map<String, String> kept = new TreeMap<>();
        copies.forEach((type, c) -> {
            if (c[0] > 2) {
                kept.put(type.substring("dev.apiary.".length()), c[0] + "/" + c[1]);
            }
        });
        return new Count(redeploys, threads, byName, apiaryThreads, apiaryRows, workerInstanceRows, loaders, kept);
    }

    private static List<String> jcmd(long pid, String command) throws IOException, InterruptedException {
        Path jcmd = Path.of(System.getProperty("java.home"), "bin", "jcmd");
        Process p = new ProcessBuilder(jcmd.toString(), Long.toString(pid), command).redirectErrorStream(true)
                .start();
        byte[] out = p.getInputStream().readAllBytes();
        if (!p.waitFor(60, TimeUnit.SECONDS) || p.exitValue() != 0) {
            p.destroyForcibly();
            throw new IllegalStateException("jcmd " + pid + " " + command + " failed: "
                    + new String(out, StandardCharsets.UTF_8));
        }
        return new String(out, StandardCharsets.UTF_8).lines().toList();
    }
}
