package dev.apiary.jms;

import dev.apiary.ConfigurationException;
import dev.apiary.JobOptions;
import dev.apiary.StorageException;
import dev.apiary.spi.ApiaryProvider;
import dev.apiary.spi.Codec;
import dev.apiary.spi.MessageQueue;
import jakarta.jms.ConnectionFactory;
import jakarta.jms.JMSContext;
import jakarta.jms.JMSException;
import jakarta.jms.JMSProducer;
import jakarta.jms.JMSRuntimeException;
import jakarta.jms.Message;
import jakarta.jms.TextMessage;

import java.time.Duration;
import java.time.Instant;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Objects;
import java.util.TreeMap;
import java.util.UUID;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.Executor;
import java.util.logging.Level;
import java.util.logging.Logger;

/**
 * A Jakarta Messaging queue as a {@link MessageQueue}: payloads travel as JSON text messages, and a worker consumes
 * the queue through {@link #asSource()} with one transacted session per message in flight, so a settlement commits
 * exactly the message it names and no two threads share a session.
 *
 * <p>Settling a delivery: done commits the receive; a retry re-sends a copy with a delivery delay up to the retry's
 * instant and the next attempt number, in the same local transaction as the receive, so it is neither lost nor
 * doubled; a kill or a failure after the last attempt sends a copy to the dead-letter queue, with the reason and the
 * attempts as properties, in one transaction too; a hand-back re-sends a copy that keeps the attempt number. A
 * consumer that dies leaves its transaction open and the broker delivers the message again with the same attempt
 * number (the broker's own redelivery limit ends a message that keeps killing consumers). A message that cannot be
 * decoded is dead-lettered at once.
 *
 * <p>Built with {@link #builder}; thread-safe; {@link #close()} closes the sending connection.
 *
 * @param <T> the payload type
 */
public final class JmsQueue<T> implements MessageQueue<T>, AutoCloseable {

    /** The job id, the same on every copy of one message (the first send's id). */
    public static final String JOB_ID = "ApiaryJobId";
    /** The attempt the next delivery of this copy is (1 for a new message). */
    public static final String ATTEMPT = "ApiaryAttempt";
    /** The message's attempt budget. */
    public static final String MAX_ATTEMPTS = "ApiaryMaxAttempts";
    /** When the first copy was sent, in milliseconds since the epoch. */
    public static final String ENQUEUED_AT = "ApiaryEnqueuedAt";
    /** The error of the last failed attempt, on a retry's copy. */
    public static final String LAST_ERROR = "ApiaryLastError";
    /** Why a dead-lettered message was given up. */
    public static final String DEAD_LETTER_REASON = "ApiaryDeadLetterReason";
    /** How many attempts a dead-lettered message had. */
    public static final String ATTEMPTS = "ApiaryAttempts";
    /** The queue a dead-lettered message came from. */
    public static final String ORIGINAL_QUEUE = "ApiaryOriginalQueue";
    /** The job's priority as pushed (the JMS priority carries it too, clamped to 0–9 around 4). */
    public static final String PRIORITY = "ApiaryPriority";
    /** The unique key the job was pushed with (carried, not enforced: a broker does not refuse a duplicate). */
    public static final String UNIQUE_KEY = "ApiaryUniqueKey";
    /** The job's metadata as a JSON object of strings, the {@code traceparent} the runtime adds at push included. */
    public static final String METADATA = "ApiaryMetadata";
    /** The W3C trace context of the push, also as a property of its own for tracing-aware consumers. */
    public static final String TRACEPARENT = "traceparent";

    static final Logger LOG = Logger.getLogger(JmsQueue.class.getName());
    private static final int MAX_ERROR_LENGTH = 4000;

    final ConnectionFactory factory;
    final String name;
    final String deadLetterQueue;
    final Class<T> type;
    final Codec codec;
    final int defaultMaxAttempts;
    final Duration receiveTimeout;
    /** Where consumers wait for messages; null for the consuming worker's executor. */
    final Executor executor;
    private final boolean contextPerSend;
    final boolean connectionPerConsumer;

    /** Shares one connection among sending sessions, each used by one thread at a time. */
    private final Object senderLock = new Object();
    private JMSContext senderRoot;
    private final ConcurrentLinkedQueue<JMSContext> senders = new ConcurrentLinkedQueue<>();
    private volatile JmsConsumption<T> consumption;

    private JmsQueue(Builder<T> b) {
        this.factory = b.factory;
        this.name = b.queue;
        this.type = b.type;
        this.deadLetterQueue = b.deadLetterQueue != null ? b.deadLetterQueue : b.queue + ".DLQ";
        this.codec = b.codec != null ? b.codec : ApiaryProvider.instance().codec();
        this.defaultMaxAttempts = b.maxAttempts;
        this.receiveTimeout = b.receiveTimeout;
        this.contextPerSend = b.contextPerSend;
        this.connectionPerConsumer = b.connectionPerConsumer;
        this.executor = b.executor;
    }

    /** A builder for a queue named {@code queue} on {@code factory}, carrying payloads of {@code type}. */
    public static <T> Builder<T> builder(ConnectionFactory factory, String queue, Class<T> type) {
        return new Builder<>(factory, queue, type);
    }

    @Override
    public String queue() {
        return name;
    }

    /** The dead-letter queue's name. */
    public String deadLetterQueue() {
        return deadLetterQueue;
    }

    @Override
    public String send(T payload, JobOptions options) {
        Objects.requireNonNull(options, "options");
        // the runtime adds the caller's trace context to the metadata and counts the push, as a storage does
        options = ApiaryProvider.instance().pushing(name, options, 1);
        String body = codec.encode(payload);
        String id = UUID.randomUUID().toString();
        if (contextPerSend) {
            // the container's pooled factory: a context per send joins the caller's JTA transaction if there is one
            try (JMSContext context = factory.createContext()) {
                send(context, body, id, options);
            } catch (JMSRuntimeException | JMSException e) {
                throw sendFailed(e);
            }
            return id;
        }
        JMSContext context = borrowSender();
        try {
            send(context, body, id, options);
            senders.add(context);
        } catch (JMSRuntimeException | JMSException e) {
            closeQuietly(context);
            resetSenders();
            throw sendFailed(e);
        }
        return id;
    }

    private void send(JMSContext context, String body, String id, JobOptions options) throws JMSException {
        TextMessage message = context.createTextMessage(body);
        message.setStringProperty(JOB_ID, id);
        message.setIntProperty(ATTEMPT, 1);
        message.setIntProperty(MAX_ATTEMPTS, options.maxAttempts());
        message.setLongProperty(ENQUEUED_AT, System.currentTimeMillis());
        message.setIntProperty(PRIORITY, options.priority());
        if (options.uniqueKey() != null) {
            message.setStringProperty(UNIQUE_KEY, options.uniqueKey());
        }
        if (!options.metadata().isEmpty()) {
            message.setStringProperty(METADATA, codec.encode(new TreeMap<>(options.metadata())));
            String traceparent = options.metadata().get(TRACEPARENT);
            if (traceparent != null) {
                message.setStringProperty(TRACEPARENT, traceparent);
            }
        }
        long delay = options.runAt() == null ? 0 : Math.max(0, Duration.between(Instant.now(), options.runAt())
                .toMillis());
        // set on every send, 0 included: the delay belongs to the context's one producer (Artemis keeps it there), so
        // a message sent for later would otherwise hold back every message sent after it from the same context
        JMSProducer producer = context.createProducer().setPriority(jmsPriority(options.priority()))
                .setDeliveryDelay(delay);
        producer.send(context.createQueue(name), message);
    }

    /** Apiary's priority (0 by default, higher first) as a JMS priority (4 by default, 0 to 9). */
    static int jmsPriority(int priority) {
        return (int) Math.max(0, Math.min(9, 4L + priority));
    }

    /** The metadata a message carries: its {@link #METADATA} property, else a lone {@link #TRACEPARENT}. */
    Map<String, String> metadata(Message m) throws JMSException {
        Map<String, String> result = new LinkedHashMap<>();
        if (m.propertyExists(METADATA)) {
            String json = m.getStringProperty(METADATA);
            try {
                Map<?, ?> decoded = codec.decode(json, Map.class);
                decoded.forEach((k, v) -> result.put(String.valueOf(k), v == null ? null : String.valueOf(v)));
            } catch (RuntimeException e) {
                String id = m.getJMSMessageID();
                LOG.warning(() -> "Message " + id + " of JMS queue '" + name + "' has a " + METADATA + " property"
                        + " that is not a JSON object of strings (" + e.getMessage() + "); it runs without metadata");
            }
        } else if (m.propertyExists(TRACEPARENT)) {
            result.put(TRACEPARENT, m.getStringProperty(TRACEPARENT));
        }
        result.values().removeIf(Objects::isNull);
        return result;
    }

    private StorageException sendFailed(Exception e) {
        return new StorageException("Cannot send to JMS queue '" + name + "': " + e.getMessage()
                + "; check that the broker runs and the queue exists", e);
    }

    private JMSContext borrowSender() {
        JMSContext context = senders.poll();
        if (context != null) {
            return context;
        }
        synchronized (senderLock) {
            if (senderRoot == null) {
                senderRoot = factory.createContext(JMSContext.AUTO_ACKNOWLEDGE);
            }
            return senderRoot.createContext(JMSContext.AUTO_ACKNOWLEDGE);
        }
    }

    private void resetSenders() {
        JMSContext c;
        while ((c = senders.poll()) != null) {
            closeQuietly(c);
        }
        synchronized (senderLock) {
            if (senderRoot != null) {
                closeQuietly(senderRoot);
                senderRoot = null;
            }
        }
    }

    @Override
    public Consumption open(Receiver<T> receiver) {
        JmsConsumption<T> c = new JmsConsumption<>(this, receiver);
        consumption = c;
        c.connect();
        return c;
    }

    /** Up while a consumption is connected; without one, whether a connection can be opened now. */
    @Override
    public boolean isAvailable() {
        JmsConsumption<T> c = consumption;
        if (c != null && !c.isClosed()) {
            return c.isConnected();
        }
        try (JMSContext probe = factory.createContext()) {
            probe.createQueue(name);
            return true;
        } catch (RuntimeException e) {
            LOG.log(Level.FINE, "JMS queue '" + name + "' is not reachable", e);
            return false;
        }
    }

    @Override
    public void close() {
        JmsConsumption<T> c = consumption;
        if (c != null) {
            c.close();
        }
        resetSenders();
    }

    /** The text kept of an error: the broker's header limits make a whole stack trace a bad property. */
    static String shorten(String error) {
        if (error == null) {
            return "";
        }
        return error.length() <= MAX_ERROR_LENGTH ? error : error.substring(0, MAX_ERROR_LENGTH) + "…";
    }

    static void closeQuietly(JMSContext context) {
        try {
            context.close();
        } catch (RuntimeException e) {
            LOG.log(Level.FINE, "Closing a JMS context failed", e);
        }
    }

    /**
     * Settings of a {@link JmsQueue}.
     *
     * @param <T> the payload type
     */
    public static final class Builder<T> {
        private final ConnectionFactory factory;
        private final String queue;
        private final Class<T> type;
        private String deadLetterQueue;
        private Codec codec;
        private int maxAttempts = JobOptions.DEFAULT_MAX_ATTEMPTS;
        private Duration receiveTimeout = Duration.ofSeconds(5);
        private Executor executor;
        private boolean contextPerSend;
        private boolean connectionPerConsumer;

        private Builder(ConnectionFactory factory, String queue, Class<T> type) {
            this.factory = Objects.requireNonNull(factory, "factory");
            this.queue = Objects.requireNonNull(queue, "queue");
            this.type = Objects.requireNonNull(type, "type");
            if (queue.isBlank()) {
                throw new ConfigurationException("A JMS queue needs a name");
            }
        }

        /** Where messages go after their last attempt, a kill or a decoding failure; default {@code <queue>.DLQ}. */
        public Builder<T> deadLetterQueue(String value) {
            this.deadLetterQueue = Objects.requireNonNull(value, "deadLetterQueue");
            return this;
        }

        /** The codec of message bodies; default the runtime's JSON-B codec. */
        public Builder<T> codec(Codec value) {
            this.codec = Objects.requireNonNull(value, "codec");
            return this;
        }

        /** The attempt budget of a message sent without one (by another producer); default 3. */
        public Builder<T> maxAttempts(int value) {
            if (value < 1) {
                throw new ConfigurationException("JMS queue '" + queue + "': maxAttempts must be at least 1, was "
                        + value);
            }
            this.maxAttempts = value;
            return this;
        }

        /**
         * How long a consumer waits in one receive before giving its thread back and waiting again (a message ends
         * the wait at once; stopping ends it too); default 5 s.
         */
        public Builder<T> receiveTimeout(Duration value) {
            if (value == null || value.isNegative() || value.isZero()) {
                throw new ConfigurationException("JMS queue '" + queue + "': receiveTimeout must be positive, was "
                        + value);
            }
            this.receiveTimeout = value;
            return this;
        }

        /**
         * Where consumers wait for messages; by default the executor of the worker that consumes the queue (in CDI
         * the container's managed executor), so the queue starts no thread of its own.
         */
        public Builder<T> executor(Executor value) {
            this.executor = Objects.requireNonNull(value, "executor");
            return this;
        }

        /**
         * Sends through a new context per message instead of sessions on one shared connection: right for a
         * container's pooled connection factory, whose contexts join the caller's JTA transaction; default false.
         */
        public Builder<T> contextPerSend(boolean value) {
            this.contextPerSend = value;
            return this;
        }

        /**
         * Opens each consumer on a connection of its own, with a transacted session of the classic API, instead of
         * contexts on one shared connection: required by a container's pooled connection factory, which allows one
         * session per connection and a local transaction only through the classic API (WildFly's
         * {@code java:jboss/DefaultJMSConnectionFactory}, with {@code allow-local-transactions} in its
         * {@code outbound-config}); default false.
         */
        public Builder<T> connectionPerConsumer(boolean value) {
            this.connectionPerConsumer = value;
            return this;
        }

        public JmsQueue<T> build() {
            return new JmsQueue<>(this);
        }
    }
}
