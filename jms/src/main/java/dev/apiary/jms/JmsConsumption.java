package dev.apiary.jms;

import dev.apiary.CodecException;
import dev.apiary.spi.MessageQueue;
import jakarta.jms.JMSContext;
import jakarta.jms.JMSException;
import jakarta.jms.JMSRuntimeException;
import jakarta.jms.Message;
import jakarta.jms.Queue;
import jakarta.jms.TextMessage;

import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Enumeration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Executor;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.logging.Level;

/**
 * One consumption of a {@link JmsQueue}: a connection and a pool of consumer slots, each a transacted session with a
 * consumer on the queue. A slot waits for one message, hands it over and belongs to that delivery until it is
 * settled, then waits again; so a session is used by one thread at a time (the receiving task, then whoever settles)
 * and no more messages are taken than there are slots. Slots are added while the receiver asks for more messages
 * than slots are waiting, so there are as many as the worker has slots, and never removed: a waiting consumer is
 * what a provider hands its messages to (Artemis buffers ahead for open consumers, and a consumer that stopped
 * waiting would keep those from the others). When the connection breaks, every slot is dropped (the broker
 * delivers their messages again), and the connection is opened again after a backoff.
 *
 * <p>Threads: the receives run on the queue's executor if it was given one, else on the consuming worker's; the
 * reconnect backoffs are timed by the consuming worker's scheduler. The consumption starts no thread of its own.
 */
final class JmsConsumption<T> implements MessageQueue.Consumption {

    private static final Duration FIRST_RECONNECT = Duration.ofMillis(500);
    private static final Duration MAX_RECONNECT = Duration.ofSeconds(10);

    private final JmsQueue<T> queue;
    private final MessageQueue.Receiver<T> receiver;
    /** Where the slots' receives run. */
    private final Executor receives;

    // all guarded by this
    private JMSContext connection;
    private long generation;
    /** Messages the receiver asked for and has not been given. */
    private int demand;
    /** Slots waiting in a receive (or about to). */
    private int receiving;
    private final List<Slot> slots = new ArrayList<>();
    private boolean closed;
    private boolean reconnecting;
    private Duration reconnectDelay = FIRST_RECONNECT;
    /** The connection of a closed consumption, closed once no slot holds a delivery. */
    private JMSContext closing;

    JmsConsumption(JmsQueue<T> queue, MessageQueue.Receiver<T> receiver) {
        this.queue = queue;
        this.receiver = receiver;
        this.receives = queue.executor != null ? queue.executor : receiver.executor();
    }

    /** Runs {@code task} on the worker's scheduler after {@code delay}; false if the scheduler has shut down. */
    private boolean later(Runnable task, Duration delay) {
        try {
            receiver.scheduler().schedule(task, delay.toNanos(), TimeUnit.NANOSECONDS);
            return true;
        } catch (RejectedExecutionException stopping) {
            return false;
        }
    }

    synchronized boolean isConnected() {
        return connection != null;
    }

    synchronized boolean isClosed() {
        return closed;
    }

    /** Opens the connection; on failure, keeps trying in the background. */
    void connect() {
        JMSContext c;
        try {
            // with a connection per consumer this one only watches the broker, in a mode a pooled factory allows
            c = queue.factory.createContext(queue.connectionPerConsumer ? JMSContext.AUTO_ACKNOWLEDGE
                    : JMSContext.SESSION_TRANSACTED);
        } catch (JMSRuntimeException e) {
            connectionLost(null, e);
            return;
        }
        boolean back;
        synchronized (this) {
            if (closed) {
                JmsQueue.closeQuietly(c);
                return;
            }
            back = reconnectDelay != FIRST_RECONNECT;
            connection = c;
            generation++;
            reconnecting = false;
            if (demand == 0) {
                // nothing to open a consumer for yet: the connection itself says the broker is back
                reconnectDelay = FIRST_RECONNECT;
            }
        }
        try {
            // told at once when the connection fails, rather than only by the next receive or settlement
            c.setExceptionListener(e -> connectionLost(c, e));
        } catch (RuntimeException refused) {
            // a container's pooled factory may forbid it (Jakarta EE does): receives and settlements still tell
            JmsQueue.LOG.log(Level.FINE, "No exception listener on the connection to JMS queue '" + queue.name
                    + "'", refused);
        }
        if (back) {
            JmsQueue.LOG.info(() -> "JMS queue '" + queue.name + "' is reachable again; consumers resume");
        }
        pump();
    }

    @Override
    public void request(int n) {
        synchronized (this) {
            demand += n;
        }
        pump();
    }

    /** Adds waiting slots while more messages are asked for than slots wait, and the connection is up. */
    private void pump() {
        while (true) {
            JMSContext conn;
            long gen;
            synchronized (this) {
                if (closed || connection == null || demand <= receiving) {
                    return;
                }
                conn = connection;
                gen = generation;
                receiving++;
            }
            // opened outside the lock: a connection to a broker that went away can take the client's call timeout
            // to fail, and readiness asks isConnected() meanwhile
            Slot slot;
            try {
                slot = new Slot(conn, gen);
            } catch (JMSRuntimeException e) {
                synchronized (this) {
                    if (gen == generation) {
                        receiving--;
                    }
                }
                JmsQueue.LOG.log(Level.FINE, "Cannot open a consumer on JMS queue '" + queue.name + "'", e);
                connectionLostLater(conn, e);
                return;
            }
            boolean current;
            synchronized (this) {
                current = !closed && gen == generation;
                if (current) {
                    slots.add(slot);
                    // a consumer opened: the backoff starts again from the first delay at the next failure
                    reconnectDelay = FIRST_RECONNECT;
                }
            }
            if (!current) {
                slot.closeQuietly();
                return;
            }
            arm(slot);
        }
    }

    private void connectionLostLater(JMSContext broken, JMSRuntimeException e) {
        JMSRuntimeException cause = new JMSRuntimeException("cannot open a transacted session with a consumer on"
                + " queue '" + queue.name + "' (" + e.getMessage() + "); if the broker runs, the connection factory"
                + " refuses local transactions: a container's pooled factory must allow them (WildFly:"
                + " <outbound-config allow-local-transactions=\"true\"/> in its pooled-connection-factory), or name"
                + " a non-pooled factory in the worker's jms.connection-factory key (WildFly: java:/ConnectionFactory)",
                e.getErrorCode(), e);
        if (!later(() -> connectionLost(broken, cause), Duration.ZERO)) {
            connectionLost(broken, cause);
        }
    }

    private void arm(Slot slot) {
        try {
            receives.execute(() -> receiveGuarded(slot));
        } catch (RejectedExecutionException e) {
            synchronized (this) {
                receiving--;
                drop(slot);
            }
            if (!isClosed()) {
                JmsQueue.LOG.log(Level.WARNING, "The executor refused a consumer of JMS queue '" + queue.name
                        + "'; it takes no messages until requested again", e);
            }
        }
    }

    /**
     * A receive that cannot leave its slot behind: whatever escapes it (an interrupted client throws Artemis's
     * unchecked {@code ActiveMQInterruptedException}, not a {@link JMSRuntimeException}) is handled as a broken
     * connection, whose slots are dropped and opened again, rather than leaving a slot counted as waiting that no
     * receive serves, which would stop the consumption for good once every slot went that way.
     */
    private void receiveGuarded(Slot slot) {
        try {
            receive(slot);
        } catch (RuntimeException | Error e) {
            JmsQueue.LOG.log(Level.WARNING, "A consumer of JMS queue '" + queue.name + "' failed (" + e
                    + "); the queue's consumers open again and unsettled messages are delivered again", e);
            connectionLost(slot.connection, e instanceof Exception ex ? ex : new RuntimeException(e));
            if (e instanceof Error error) {
                throw error;
            }
        }
    }

    private void receive(Slot slot) {
        Message m;
        try {
            m = slot.session.receive(slot.destination, queue.receiveTimeout.toMillis());
        } catch (JMSRuntimeException e) {
            connectionLost(slot.connection, e);
            return;
        }
        boolean unwanted;
        synchronized (this) {
            unwanted = closed || slot.generation != generation;
            if (unwanted) {
                // no one wants it now: closing the session rolls it back, for the broker to deliver again
                if (slot.generation == generation) {
                    receiving--;
                }
                drop(slot);
            }
            if (!unwanted && m != null) {
                receiving--;
                demand = Math.max(0, demand - 1);
            }
        }
        if (unwanted) {
            closeConnectionIfDone();
            return;
        }
        if (m == null) {
            // nothing came within the timeout: give the thread back and wait again
            arm(slot);
            return;
        }
        JmsDelivery delivery;
        try {
            delivery = decode(slot, m);
        } catch (JMSException | JMSRuntimeException e) {
            connectionLost(slot.connection, e);
            return;
        }
        if (delivery == null) {
            // dead-lettered (its slot waits again): the message the receiver asked for is still to come
            synchronized (this) {
                demand++;
            }
            return;
        }
        receiver.onDelivery(delivery);
    }

    /** Reads a message; an undecodable one is dead-lettered here and null returned. */
    private JmsDelivery decode(Slot slot, Message m) throws JMSException {
        // Not JMSXDeliveryCount: a provider counts a message as delivered when it merely sat in a consumer's buffer
        // (Artemis adds one each time such a consumer goes away), which says nothing about attempts. A message
        // redelivered after a crash keeps its attempt; the broker's own redelivery limit ends one that kills consumers.
        int attempt = m.propertyExists(JmsQueue.ATTEMPT) ? m.getIntProperty(JmsQueue.ATTEMPT) : 1;
        int maxAttempts = m.propertyExists(JmsQueue.MAX_ATTEMPTS) ? m.getIntProperty(JmsQueue.MAX_ATTEMPTS)
                : queue.defaultMaxAttempts;
        String id = m.propertyExists(JmsQueue.JOB_ID) ? m.getStringProperty(JmsQueue.JOB_ID) : m.getJMSMessageID();
        Instant enqueuedAt = Instant.ofEpochMilli(m.propertyExists(JmsQueue.ENQUEUED_AT)
                ? m.getLongProperty(JmsQueue.ENQUEUED_AT) : m.getJMSTimestamp());
        JmsDelivery d = new JmsDelivery(slot, m, id, attempt, maxAttempts, enqueuedAt);
        d.priority = m.propertyExists(JmsQueue.PRIORITY) ? m.getIntProperty(JmsQueue.PRIORITY)
                : m.getJMSPriority() - 4;
        d.uniqueKey = m.propertyExists(JmsQueue.UNIQUE_KEY) ? m.getStringProperty(JmsQueue.UNIQUE_KEY) : null;
        d.metadata = queue.metadata(m);
        if (!(m instanceof TextMessage text)) {
            d.deadLetter("cannot decode: a " + m.getClass().getSimpleName() + " is not a text message with JSON");
            return null;
        }
        try {
            d.payload = queue.codec.decode(text.getText(), queue.type);
        } catch (CodecException | IllegalArgumentException e) {
            JmsQueue.LOG.warning(() -> "Message " + id + " of JMS queue '" + queue.name + "' cannot be decoded as "
                    + queue.type.getName() + " (" + e.getMessage() + "); it goes to '" + queue.deadLetterQueue + "'");
            d.deadLetter("cannot decode as " + queue.type.getName() + ": " + e.getMessage());
            return null;
        }
        return d;
    }

    /** The connection broke: drop every slot (their messages come back from the broker) and reconnect later. */
    void connectionLost(JMSContext broken, Exception cause) {
        List<Slot> dropped;
        Duration delay;
        JMSContext old;
        synchronized (this) {
            if (closed || reconnecting || (broken != null && broken != connection)) {
                return;
            }
            reconnecting = true;
            if (connection != null) {
                JmsQueue.LOG.log(Level.WARNING, "JMS queue '" + queue.name + "' cannot be reached ("
                        + cause.getMessage() + "); unsettled messages will be delivered again; consumers reconnect "
                        + "with a backoff up to " + MAX_RECONNECT, cause);
            } else {
                JmsQueue.LOG.log(Level.FINE, "JMS queue '" + queue.name + "' still cannot be reached", cause);
            }
            old = connection;
            connection = null;
            generation++;
            dropped = new ArrayList<>(slots);
            slots.clear();
            receiving = 0;
            delay = reconnectDelay;
            reconnectDelay = reconnectDelay.multipliedBy(2).compareTo(MAX_RECONNECT) > 0 ? MAX_RECONNECT
                    : reconnectDelay.multipliedBy(2);
        }
        if (old != null && !later(() -> JmsQueue.closeQuietly(old), Duration.ZERO)) {
            JmsQueue.closeQuietly(old);
        }
        for (Slot s : dropped) {
            s.closeQuietly();
        }
        boolean willReconnect = later(() -> {
            synchronized (this) {
                reconnecting = false;
            }
            connect();
        }, delay);
        if (!willReconnect) {
            JmsQueue.LOG.fine(() -> "JMS queue '" + queue.name + "' does not reconnect: its worker's scheduler has"
                    + " stopped");
        }
    }

    /** A settled slot waits for the next message; closed when the consumption ended or reconnected. */
    private void recycle(Slot slot) {
        boolean keep;
        synchronized (this) {
            keep = !closed && slot.generation == generation && !slot.broken;
            if (keep) {
                receiving++;
            } else {
                slots.remove(slot);
            }
        }
        if (keep) {
            arm(slot);
        } else {
            slot.closeQuietly();
            closeConnectionIfDone();
            if (slot.broken) {
                // a consumer in its place: opening it also finds out whether the broker is gone, which nothing
                // else would when every slot held a delivery as it went (none was waiting in a receive to fail)
                pump();
            }
        }
    }

    private void drop(Slot slot) {
        slots.remove(slot);
        slot.closeQuietly();
    }

    @Override
    public void close() {
        JMSContext c;
        synchronized (this) {
            if (closed) {
                return;
            }
            closed = true;
            demand = 0;
            c = connection;
            connection = null;
        }
        // slots waiting in a receive return null when their consumer closes; slots holding a delivery close when it
        // is settled. The connection itself closes once neither is left, as closing it would roll back deliveries
        // still being settled.
        closeConnectionWhenDone(c);
    }

    private void closeConnectionWhenDone(JMSContext c) {
        if (c == null) {
            return;
        }
        synchronized (this) {
            closing = c;
        }
        for (Slot s : snapshotSlots()) {
            if (!s.holding) {
                s.closeConsumerQuietly();
            }
        }
        closeConnectionIfDone();
    }

    /** Closes the connection of a closed consumption once no slot holds a delivery; the last settlement calls it. */
    private void closeConnectionIfDone() {
        JMSContext c;
        synchronized (this) {
            if (closing == null || slots.stream().anyMatch(s -> s.holding)) {
                return;
            }
            c = closing;
            closing = null;
        }
        JmsQueue.closeQuietly(c);
    }

    private synchronized List<Slot> snapshotSlots() {
        return new ArrayList<>(slots);
    }

    /** A transacted session with a consumer on the queue. */
    private final class Slot {
        final JMSContext connection;
        /** Its consumer opens with the first receive and closes (from any thread) to end a waiting receive. */
        final SlotSession session;
        final Queue destination;
        final long generation;
        volatile boolean holding;
        volatile boolean broken;

        Slot(JMSContext connection, long generation) {
            this.connection = connection;
            this.generation = generation;
            // a container's pooled factory allows one session per connection: then each slot has its own
            this.session = queue.connectionPerConsumer ? SlotSession.ownConnection(queue.factory)
                    : SlotSession.onContext(connection);
            try {
                this.destination = session.queue(queue.name);
            } catch (JMSRuntimeException e) {
                session.close();
                throw e;
            }
        }

        void closeConsumerQuietly() {
            try {
                session.closeConsumer();
            } catch (RuntimeException e) {
                JmsQueue.LOG.log(Level.FINE, "Closing a consumer of JMS queue '" + queue.name + "' failed", e);
            }
        }

        void closeQuietly() {
            closeConsumerQuietly();
            try {
                session.close();
            } catch (RuntimeException e) {
                JmsQueue.LOG.log(Level.FINE, "Closing a session of JMS queue '" + queue.name + "' failed", e);
            }
        }
    }

    /** One message held by its slot until settled. */
    private final class JmsDelivery implements MessageQueue.Delivery<T> {
        private final Slot slot;
        private final Message message;
        private final String id;
        private final int attempt;
        private final int maxAttempts;
        private final Instant enqueuedAt;
        T payload;
        int priority;
        String uniqueKey;
        Map<String, String> metadata = Map.of();

        JmsDelivery(Slot slot, Message message, String id, int attempt, int maxAttempts, Instant enqueuedAt) {
            this.slot = slot;
            this.message = message;
            this.id = id;
            this.attempt = attempt;
            this.maxAttempts = maxAttempts;
            this.enqueuedAt = enqueuedAt;
            slot.holding = true;
        }

        @Override
        public String id() {
            return id;
        }

        @Override
        public T payload() {
            return payload;
        }

        @Override
        public int attempt() {
            return attempt;
        }

        @Override
        public int maxAttempts() {
            return maxAttempts;
        }

        @Override
        public Instant enqueuedAt() {
            return enqueuedAt;
        }

        @Override
        public Map<String, String> metadata() {
            return metadata;
        }

        @Override
        public int priority() {
            return priority;
        }

        @Override
        public String uniqueKey() {
            return uniqueKey;
        }

        @Override
        public void ack() {
            settle("acknowledge", () -> { });
        }

        @Override
        public void retry(Instant at, String error) {
            settle("re-send for attempt " + (attempt + 1), () -> {
                Message copy = copy(slot.session, message, attempt + 1);
                copy.setStringProperty(JmsQueue.LAST_ERROR, JmsQueue.shorten(error));
                slot.session.send(slot.destination, copy, message.getJMSPriority(),
                        Duration.between(Instant.now(), at).toMillis());
            });
        }

        @Override
        public void deadLetter(String reason) {
            settle("dead-letter", () -> {
                Message copy = copy(slot.session, message, attempt);
                copy.setStringProperty(JmsQueue.DEAD_LETTER_REASON, JmsQueue.shorten(reason));
                copy.setIntProperty(JmsQueue.ATTEMPTS, attempt);
                copy.setStringProperty(JmsQueue.ORIGINAL_QUEUE, queue.name);
                slot.session.send(slot.session.queue(queue.deadLetterQueue), copy, message.getJMSPriority(), 0);
            });
        }

        @Override
        public void release() {
            // a copy that keeps the attempt, rather than a rollback, which the broker would count as a delivery
            settle("hand back", () -> slot.session.send(slot.destination, copy(slot.session, message, attempt),
                    message.getJMSPriority(), 0));
        }

        private void settle(String what, JmsAction action) {
            try {
                action.run();
                slot.session.commit();
            } catch (JMSException | JMSRuntimeException e) {
                // the transaction is not committed: the broker delivers the message again, so nothing is lost
                slot.broken = true;
                JmsQueue.LOG.log(Level.WARNING, "Cannot " + what + " message " + id + " of JMS queue '" + queue.name
                        + "' (" + e.getMessage() + "); the broker delivers it again", e);
                try {
                    slot.session.rollback();
                } catch (RuntimeException rollback) {
                    e.addSuppressed(rollback);
                }
            } finally {
                slot.holding = false;
                recycle(slot);
            }
        }
    }

    /** A copy of a message's body and application properties for a new send. */
    private static Message copy(SlotSession session, Message m, int attempt) throws JMSException {
        Message copy = m instanceof TextMessage t ? session.createTextMessage(t.getText()) : session.createMessage();
        for (Enumeration<?> names = m.getPropertyNames(); names.hasMoreElements(); ) {
            String name = (String) names.nextElement();
            // the provider's own (JMSX…, JMS_…, and Artemis's _AMQ_… such as a past delivery time) are not copied
            if (!name.startsWith("JMSX") && !name.startsWith("JMS_") && !name.startsWith("_")) {
                copy.setObjectProperty(name, m.getObjectProperty(name));
            }
        }
        if (!m.propertyExists(JmsQueue.JOB_ID)) {
            copy.setStringProperty(JmsQueue.JOB_ID, m.getJMSMessageID());
        }
        if (!m.propertyExists(JmsQueue.ENQUEUED_AT)) {
            copy.setLongProperty(JmsQueue.ENQUEUED_AT, m.getJMSTimestamp());
        }
        copy.setIntProperty(JmsQueue.ATTEMPT, attempt);
        return copy;
    }

    @FunctionalInterface
    private interface JmsAction {
        void run() throws JMSException;
    }
}
