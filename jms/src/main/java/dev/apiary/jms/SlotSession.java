package dev.apiary.jms;

import jakarta.jms.Connection;
import jakarta.jms.ConnectionFactory;
import jakarta.jms.JMSConsumer;
import jakarta.jms.JMSContext;
import jakarta.jms.JMSException;
import jakarta.jms.JMSRuntimeException;
import jakarta.jms.Message;
import jakarta.jms.MessageConsumer;
import jakarta.jms.MessageProducer;
import jakarta.jms.Queue;
import jakarta.jms.Session;

/**
 * The transacted session of one consumer slot: a {@link JMSContext} made from the consumption's shared connection,
 * or, for a container's pooled factory, a classic {@link Session} on a connection of its own. The classic API is the
 * one a pooled factory lets use a local transaction outside JTA (WildFly's {@code allow-local-transactions});
 * its {@code createContext(SESSION_TRANSACTED)} refuses one whatever the setting. Errors surface as
 * {@link JMSRuntimeException}s either way.
 */
abstract class SlotSession {

    /** A session on {@code shared}, the consumption's connection. */
    static SlotSession onContext(JMSContext shared) {
        return new OnContext(shared.createContext(JMSContext.SESSION_TRANSACTED));
    }

    /** A session on a new connection of {@code factory}. */
    static SlotSession ownConnection(ConnectionFactory factory) {
        Connection connection = null;
        try {
            connection = factory.createConnection();
            Session session = connection.createSession(true, Session.SESSION_TRANSACTED);
            connection.start();
            return new OwnConnection(connection, session);
        } catch (JMSException e) {
            if (connection != null) {
                try {
                    connection.close();
                } catch (JMSException closing) {
                    e.addSuppressed(closing);
                }
            }
            throw runtime(e);
        }
    }

    abstract Queue queue(String name);

    /** Waits up to {@code millis} for a message (opening the consumer on first use); null when none came. */
    abstract Message receive(Queue queue, long millis);

    /** Closes the consumer, which ends a waiting receive; may be called from any thread. */
    abstract void closeConsumer();

    abstract Message createTextMessage(String text);

    abstract Message createMessage();

    abstract void send(Queue queue, Message message, int priority, long deliveryDelay);

    abstract void commit();

    abstract void rollback();

    abstract void close();

    static JMSRuntimeException runtime(JMSException e) {
        return new JMSRuntimeException(e.getMessage(), e.getErrorCode(), e);
    }

    private static final class OnContext extends SlotSession {
        private final JMSContext context;
        private volatile JMSConsumer consumer;

        OnContext(JMSContext context) {
            this.context = context;
        }

        @Override
        Queue queue(String name) {
            return context.createQueue(name);
        }

        @Override
        Message receive(Queue queue, long millis) {
            JMSConsumer c = consumer;
            if (c == null) {
                c = context.createConsumer(queue);
                consumer = c;
            }
            return c.receive(millis);
        }

        @Override
        void closeConsumer() {
            JMSConsumer c = consumer;
            consumer = null;
            if (c != null) {
                c.close();
            }
        }

        @Override
        Message createTextMessage(String text) {
            return context.createTextMessage(text);
        }

        @Override
        Message createMessage() {
            return context.createMessage();
        }

        @Override
        void send(Queue queue, Message message, int priority, long deliveryDelay) {
            context.createProducer().setPriority(priority).setDeliveryDelay(Math.max(0, deliveryDelay))
                    .send(queue, message);
        }

        @Override
        void commit() {
            context.commit();
        }

        @Override
        void rollback() {
            context.rollback();
        }

        @Override
        void close() {
            context.close();
        }
    }

    private static final class OwnConnection extends SlotSession {
        private final Connection connection;
        private final Session session;
        private volatile MessageConsumer consumer;

        OwnConnection(Connection connection, Session session) {
            this.connection = connection;
            this.session = session;
        }

        @Override
        Queue queue(String name) {
            try {
                return session.createQueue(name);
            } catch (JMSException e) {
                throw runtime(e);
            }
        }

        @Override
        Message receive(Queue queue, long millis) {
            try {
                MessageConsumer c = consumer;
                if (c == null) {
                    c = session.createConsumer(queue);
                    consumer = c;
                }
                return c.receive(millis);
            } catch (JMSException e) {
                throw runtime(e);
            }
        }

        @Override
        void closeConsumer() {
            MessageConsumer c = consumer;
            consumer = null;
            if (c != null) {
                try {
                    c.close();
                } catch (JMSException e) {
                    throw runtime(e);
                }
            }
        }

        @Override
        Message createTextMessage(String text) {
            try {
                return session.createTextMessage(text);
            } catch (JMSException e) {
                throw runtime(e);
            }
        }

        @Override
        Message createMessage() {
            try {
                return session.createMessage();
            } catch (JMSException e) {
                throw runtime(e);
            }
        }

        @Override
        void send(Queue queue, Message message, int priority, long deliveryDelay) {
            try (MessageProducer producer = session.createProducer(queue)) {
                producer.setPriority(priority);
                producer.setDeliveryDelay(Math.max(0, deliveryDelay));
                producer.send(message);
            } catch (JMSException e) {
                throw runtime(e);
            }
        }

        @Override
        void commit() {
            try {
                session.commit();
            } catch (JMSException e) {
                throw runtime(e);
            }
        }

        @Override
        void rollback() {
            try {
                session.rollback();
            } catch (JMSException e) {
                throw runtime(e);
            }
        }

        @Override
        void close() {
            try {
                // closing the connection closes its session and consumer
                connection.close();
            } catch (JMSException e) {
                throw runtime(e);
            }
        }
    }
}
