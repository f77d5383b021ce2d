package dev.apiary.jms;

import jakarta.jms.ConnectionFactory;
import jakarta.jms.JMSConsumer;
import jakarta.jms.JMSContext;
import jakarta.jms.Message;
import org.apache.activemq.artemis.api.core.SimpleString;
import org.apache.activemq.artemis.core.config.Configuration;
import org.apache.activemq.artemis.core.config.impl.ConfigurationImpl;
import org.apache.activemq.artemis.core.server.Queue;
import org.apache.activemq.artemis.core.server.embedded.EmbeddedActiveMQ;
import org.apache.activemq.artemis.jms.client.ActiveMQConnectionFactory;

import java.io.IOException;
import java.net.ServerSocket;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.logging.Level;
import java.util.logging.Logger;

/**
 * An ActiveMQ Artemis broker in this JVM for tests and benchmarks: in-VM and TCP (127.0.0.1, a free port)
 * acceptors, persistence off unless a data directory is given. Close it to stop the broker and its factories.
 */
public final class EmbeddedBroker implements AutoCloseable {

    /** Held so that the level sticks: Artemis's audit loggers print a line per message otherwise. */
    private static final List<Logger> QUIET = new ArrayList<>();

    static {
        for (String name : new String[] {"org.apache.activemq.audit", "org.apache.activemq.audit.base",
                "org.apache.activemq.audit.message", "org.apache.activemq.audit.resource",
                "org.apache.activemq.artemis.core.server", "org.apache.activemq.artemis.core.client"}) {
            Logger logger = Logger.getLogger(name);
            logger.setLevel(Level.WARNING);
            QUIET.add(logger);
        }
    }

    private final EmbeddedActiveMQ server = new EmbeddedActiveMQ();
    private final int port;
    private final List<ActiveMQConnectionFactory> factories = new ArrayList<>();

    private EmbeddedBroker(int port, Path dataDir) throws Exception {
        this.port = port;
        Configuration config = new ConfigurationImpl()
                .setName("apiary-test")
                .setSecurityEnabled(false)
                .setJMXManagementEnabled(false)
                .addAcceptorConfiguration("in-vm", "vm://0")
                .addAcceptorConfiguration("tcp", "tcp://127.0.0.1:" + port);
        if (dataDir == null) {
            config.setPersistenceEnabled(false);
        } else {
            config.setPersistenceEnabled(true)
                    .setJournalDirectory(dataDir.resolve("journal").toString())
                    .setBindingsDirectory(dataDir.resolve("bindings").toString())
                    .setLargeMessagesDirectory(dataDir.resolve("large").toString())
                    .setPagingDirectory(dataDir.resolve("paging").toString());
        }
        server.setConfiguration(config);
        server.start();
    }

    /** A broker without persistence on a free port. */
    public static EmbeddedBroker start() throws Exception {
        return new EmbeddedBroker(freePort(), null);
    }

    /** A broker with its journal in {@code dataDir} on {@code port} (0 for a free one). */
    public static EmbeddedBroker start(int port, Path dataDir) throws Exception {
        return new EmbeddedBroker(port == 0 ? freePort() : port, dataDir);
    }

    public static int freePort() throws IOException {
        try (ServerSocket s = new ServerSocket(0)) {
            return s.getLocalPort();
        }
    }

    public int port() {
        return port;
    }

    /** The TCP URL, for other processes. */
    public String url() {
        return "tcp://127.0.0.1:" + port;
    }

    /** A connection factory over the in-VM acceptor, closed with the broker. */
    public synchronized ConnectionFactory inVm() {
        ActiveMQConnectionFactory f = new ActiveMQConnectionFactory("vm://0");
        factories.add(f);
        return f;
    }

    /** A connection factory over the in-VM acceptor with URL parameters ({@code consumerWindowSize=0}). */
    public synchronized ConnectionFactory inVm(String parameters) {
        ActiveMQConnectionFactory f = new ActiveMQConnectionFactory("vm://0?" + parameters);
        factories.add(f);
        return f;
    }

    /** A connection factory to {@code url} that outlives brokers (for restarts); the caller closes it. */
    public static ActiveMQConnectionFactory factory(String url) {
        return new ActiveMQConnectionFactory(url);
    }

    /** A connection factory over TCP, closed with the broker. */
    public synchronized ConnectionFactory tcp() {
        ActiveMQConnectionFactory f = new ActiveMQConnectionFactory(url());
        factories.add(f);
        return f;
    }

    /** How many messages are in {@code queue} (scheduled and delivered-unacknowledged ones included). */
    public long count(String queue) {
        Queue q = server.getActiveMQServer().locateQueue(SimpleString.of(queue));
        return q == null ? 0 : q.getMessageCount();
    }

    /** How many messages of {@code queue} are delivered to consumers and not yet acknowledged. */
    public long delivering(String queue) {
        Queue q = server.getActiveMQServer().locateQueue(SimpleString.of(queue));
        return q == null ? 0 : q.getDeliveringCount();
    }

    /** Receives what {@code queue} holds now (as {@link #count} tells), for assertions. */
    public List<Message> drain(String queue) {
        List<Message> result = new ArrayList<>();
        long expected = count(queue);
        try (JMSContext context = inVm().createContext(JMSContext.AUTO_ACKNOWLEDGE);
             JMSConsumer consumer = context.createConsumer(context.createQueue(queue))) {
            Message m;
            // generous waits: a loaded machine can take a while to hand a new consumer its first message
            while (result.size() < expected && (m = consumer.receive(10_000)) != null) {
                result.add(m);
            }
        }
        return result;
    }

    @Override
    public synchronized void close() throws Exception {
        for (ActiveMQConnectionFactory f : factories) {
            f.close();
        }
        factories.clear();
        server.stop();
    }
}
