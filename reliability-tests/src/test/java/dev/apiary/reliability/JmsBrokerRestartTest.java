package dev.apiary.reliability;

import dev.apiary.jms.EmbeddedBroker;
import dev.apiary.jms.JmsQueue;
import org.apache.activemq.artemis.jms.client.ActiveMQConnectionFactory;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * The broker killed with SIGKILL and started again on the same port and journal, each side in a JVM of its own: the
 * consumer process's readiness goes DOWN while the broker is gone and UP once its consumers reconnected, and every
 * message sent before the kill and after the restart is done; only messages first run before the node's consumers
 * were back (whose commit never reached the broker) run again, and none sent after the restart.
 */
class JmsBrokerRestartTest {

    private static final int BEFORE = 1000;
    private static final int AFTER = 100;
    private static final HttpClient HTTP = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(2)).build();
    private static final Pattern HEALTH_PORT = Pattern.compile("NODE jms HEALTH (\\d+)");

    @Test
    void consumersReconnectAfterABrokerRestartAndReadinessGoesDownThenUp(@TempDir Path dir) throws Exception {
        long start = System.nanoTime();
        int port = EmbeddedBroker.freePort();
        String url = "tcp://127.0.0.1:" + port;
        Path data = dir.resolve("broker-data");
        Path runs = dir.resolve("node.runs");
        Process broker = broker(port, data, dir.resolve("broker-1.log"));
        Process node = null;
        try {
            awaitLine(broker, dir.resolve("broker-1.log"), "BROKER UP");
            // the Artemis client gives up on a broker that stopped answering after clientFailureCheckPeriod, and a
            // blocking call after callTimeout (30 s each by default; a killed process's sockets do not always tell
            // it sooner): an application sets them on its connection factory, shorter here
            node = java(List.of(JmsWorkerNode.class.getName(),
                    url + "?clientFailureCheckPeriod=1000&callTimeout=5000", runs.toString()), dir.resolve("node.log"));
            Process n = node;
            int health = await("node serving health").atMost(Duration.ofSeconds(60))
                    .pollInterval(Duration.ofMillis(200)).until(() -> healthPort(n, dir.resolve("node.log")),
                            p -> p > 0);
            await("ready before").atMost(Duration.ofSeconds(30)).pollInterval(Duration.ofMillis(200))
                    .until(() -> ready(health) == 200);

            List<String> ids = new ArrayList<>(send(url, BEFORE));
            // the broker dies while the node is busy: some messages done, some in flight, the rest queued
            await("node busy").atMost(Duration.ofSeconds(60)).pollInterval(Duration.ofMillis(50))
                    .until(() -> RunFiles.ids(runs).size() >= 50);
            long consuming = System.nanoTime();
            broker.destroyForcibly();
            assertThat(broker.waitFor(10, TimeUnit.SECONDS)).isTrue();
            long killed = System.nanoTime();
            int ranBefore = RunFiles.ids(runs).size();

            try {
                await("readiness DOWN without the broker").atMost(Duration.ofSeconds(30))
                        .pollInterval(Duration.ofMillis(200)).until(() -> ready(health) == 503);
            } catch (org.awaitility.core.ConditionTimeoutException e) {
                Process jstack = new ProcessBuilder(Path.of(System.getProperty("java.home"), "bin", "jstack")
                        .toString(), Long.toString(node.pid())).redirectErrorStream(true).start();
                throw new AssertionError("readiness " + ready(health) + "; node threads:\n"
                        + new String(jstack.getInputStream().readAllBytes()), e);
            }
            long down = System.nanoTime();

            broker = broker(port, data, dir.resolve("broker-2.log"));
            awaitLine(broker, dir.resolve("broker-2.log"), "BROKER UP");
            long restarted = System.nanoTime();
            await("readiness UP after the restart").atMost(Duration.ofSeconds(60))
                    .pollInterval(Duration.ofMillis(200)).until(() -> ready(health) == 200);
            long up = System.nanoTime();
            // what ran before the node's consumers were back: only these can run again, as their commit never
            // reached the broker. Not only what ran before the broker was: when the node learns of the kill late (a
            // commit to the dead broker waits out callTimeout), deliveries it took before the kill still run while
            // the broker restarts, and their commits fail too
            Set<String> ranBeforeUp = new HashSet<>(RunFiles.ids(runs));
            List<String> sentAfter = send(url, AFTER);
            ids.addAll(sentAfter);

            try {
                await("every message done").atMost(Duration.ofSeconds(120)).pollInterval(Duration.ofMillis(200))
                        .until(() -> new HashSet<>(RunFiles.ids(runs)).containsAll(ids));
            } catch (org.awaitility.core.ConditionTimeoutException e) {
                throw new AssertionError(ids.stream().filter(id -> !RunFiles.ids(runs).contains(id)).count()
                        + " messages not done; node log:\n" + Files.readString(dir.resolve("node.log")), e);
            }
            List<String> ran = RunFiles.ids(runs);
            Set<String> once = new HashSet<>();
            List<String> twice = ran.stream().filter(id -> !once.add(id)).toList();
            System.out.println("SUMMARY jms-broker-restart messages=" + ids.size() + " ranBeforeKill=" + ranBefore
                    + " runs=" + ran.size() + " runTwice=" + twice.size() + " startedAndConsumingMs="
                    + ms(consuming - start) + " downAfterKillMs=" + ms(down - killed) + " brokerRestartMs="
                    + ms(restarted - down) + " upAfterRestartMs=" + ms(up - restarted) + " totalMs="
                    + ms(System.nanoTime() - start));
            assertThat(once).as("every message ran").containsExactlyInAnyOrderElementsOf(ids);
            // a message runs twice only when its first run could not be committed: it ran before the node was back
            assertThat(ranBeforeUp).as("messages run twice").containsAll(twice);
            assertThat(twice).as("messages sent after the restart run once").doesNotContainAnyElementsOf(sentAfter);
        } finally {
            if (node != null) {
                node.destroyForcibly();
                node.waitFor(10, TimeUnit.SECONDS);
            }
            broker.destroyForcibly();
            broker.waitFor(10, TimeUnit.SECONDS);
        }
    }

    private static long ms(long nanos) {
        return nanos / 1_000_000;
    }

    private static List<String> send(String url, int n) {
        List<String> ids = new ArrayList<>();
        try (ActiveMQConnectionFactory factory = new ActiveMQConnectionFactory(url);
             JmsQueue<Payloads.Work> sender = JmsQueue.builder(factory, JmsWorkerNode.QUEUE, Payloads.Work.class)
                     .build()) {
            for (int i = 0; i < n; i++) {
                ids.add(sender.send(new Payloads.Work(i, 20)));
            }
        }
        return ids;
    }

    private static Process broker(int port, Path data, Path log) throws IOException {
        return java(List.of(JmsBrokerNode.class.getName(), Integer.toString(port), data.toString()), log);
    }

    private static Process java(List<String> mainAndArgs, Path log) throws IOException {
        List<String> command = new ArrayList<>(List.of(Path.of(System.getProperty("java.home"), "bin", "java")
                        .toString(), "-Xmx256m", "-XX:TieredStopAtLevel=1", "-XX:+UseSerialGC",
                "-cp", System.getProperty("java.class.path")));
        command.addAll(mainAndArgs);
        return new ProcessBuilder(command).redirectErrorStream(true).redirectOutput(log.toFile()).start();
    }

    private static void awaitLine(Process process, Path log, String text) {
        await(text).atMost(Duration.ofSeconds(60)).pollInterval(Duration.ofMillis(100)).until(() -> {
            if (!process.isAlive()) {
                throw new AssertionError("exited with " + process.exitValue() + ":\n" + Files.readString(log));
            }
            return Files.readString(log).contains(text);
        });
    }

    private static int healthPort(Process node, Path log) throws IOException {
        if (!node.isAlive()) {
            throw new AssertionError("the node exited with " + node.exitValue() + ":\n" + Files.readString(log));
        }
        Matcher m = HEALTH_PORT.matcher(Files.readString(log));
        return m.find() ? Integer.parseInt(m.group(1)) : 0;
    }

    private static int ready(int port) {
        try {
            return HTTP.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + "/health/ready"))
                    .timeout(Duration.ofSeconds(5)).build(), HttpResponse.BodyHandlers.discarding()).statusCode();
        } catch (IOException e) {
            return 0;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return 0;
        }
    }
}
