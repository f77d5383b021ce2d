package dev.apiary.reliability;

import com.sun.net.httpserver.HttpServer;
import dev.apiary.Job;
import dev.apiary.JobHandler;
import dev.apiary.Outcome;
import dev.apiary.cdi.JobWorker;
import dev.apiary.impl.cdi.ApiaryExtension;
import dev.apiary.impl.config.MonitorSettings;
import dev.apiary.jms.JmsQueueFactory;
import dev.apiary.jms.TestNaming;
import io.smallrye.config.inject.ConfigExtension;
import io.smallrye.health.AsyncHealthCheckFactory;
import io.smallrye.health.SmallRyeHealthReporter;
import jakarta.enterprise.context.ApplicationScoped;
import org.apache.activemq.artemis.jms.client.ActiveMQConnectionFactory;
import org.jboss.weld.environment.se.Weld;
import org.jboss.weld.environment.se.WeldContainer;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.concurrent.Executors;
import java.util.logging.LogManager;

/**
 * A CDI application whose {@code @JobWorker} takes its jobs from a JMS queue by configuration, as on a server: the
 * queue and the connection factory (bound in JNDI as a server binds its default one, to a broker reached over TCP)
 * come from {@code apiary.workers.restart.jms.*}. Started as a JVM of its own by {@link JmsBrokerRestartTest}; it
 * appends each job's id to its run file as the run ends (written through at once) and serves {@code /health/ready}
 * on a free port, printed as {@code NODE jms HEALTH <port>}. Arguments: broker URL, run file.
 */
public final class JmsWorkerNode {

    static final String QUEUE = "restart";
    private static FileChannel runs;

    private JmsWorkerNode() {
    }

    /** Handles a job in 20 ms and records it. */
    @JobWorker(name = "restart", concurrency = 4)
    @ApplicationScoped
    public static class RestartWorker implements JobHandler<Payloads.Work> {
        @Override
        public Outcome handle(Job<Payloads.Work> job) throws InterruptedException {
            Thread.sleep(20);
            write(job.id() + "\n");
            return Outcome.done();
        }
    }

    public static void main(String[] args) throws Exception {
        try (InputStream logging = JmsWorkerNode.class.getResourceAsStream("/node-logging.properties")) {
            LogManager.getLogManager().readConfiguration(logging);
        }
        runs = FileChannel.open(Path.of(args[1]), StandardOpenOption.CREATE, StandardOpenOption.WRITE,
                StandardOpenOption.APPEND);
        System.setProperty("apiary.workers.restart.jms.destination", QUEUE);
        System.setProperty("apiary.workers.restart.jms.receive-timeout", "1s");
        TestNaming.bind(JmsQueueFactory.DEFAULT_CONNECTION_FACTORY, new ActiveMQConnectionFactory(args[0]));
        TestNaming.bind(MonitorSettings.DEFAULT_EXECUTOR, Executors.newCachedThreadPool());
        TestNaming.bind(MonitorSettings.DEFAULT_SCHEDULER, Executors.newScheduledThreadPool(2));
        WeldContainer container = new Weld("jms-node").disableDiscovery().skipShutdownHook()
                .addBeanClasses(RestartWorker.class, SmallRyeHealthReporter.class, AsyncHealthCheckFactory.class)
                .addExtension(new ApiaryExtension())
                .addExtension(new ConfigExtension())
                .initialize();
        SmallRyeHealthReporter health = container.select(SmallRyeHealthReporter.class).get();
        HttpServer server = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 0);
        server.createContext("/health/ready", exchange -> WorkerNode.respond(exchange, health::getReadiness));
        server.start();
        System.out.println("NODE jms HEALTH " + server.getAddress().getPort());
        System.out.flush();
        Thread.currentThread().join();
    }

    private static synchronized void write(String line) {
        try {
            runs.write(ByteBuffer.wrap(line.getBytes(StandardCharsets.UTF_8)));
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
