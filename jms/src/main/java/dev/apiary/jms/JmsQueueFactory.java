package dev.apiary.jms;

import dev.apiary.ConfigurationException;
import dev.apiary.spi.MessageQueue;
import dev.apiary.spi.MessageQueueFactory;
import jakarta.jms.ConnectionFactory;

import javax.naming.InitialContext;
import javax.naming.NamingException;
import java.time.Duration;
import java.time.format.DateTimeParseException;
import java.util.Optional;
import java.util.concurrent.Executor;
import java.util.function.Function;

/**
 * Makes the {@link JmsQueue} of a CDI worker from {@code apiary.workers.<name>.jms.*}: {@code destination} (the
 * queue's name), {@code connection-factory} (a JNDI name, default the platform's
 * {@value #DEFAULT_CONNECTION_FACTORY}), {@code dead-letter-queue}, {@code max-attempts}, {@code receive-timeout}.
 * Sends go through a new context each, so a container's pooled factory joins the caller's transaction; each consumer
 * has a connection of its own, as a pooled factory allows one session per connection, with a local transacted
 * session of the classic API, which a pooled factory must allow outside a JTA transaction (WildFly:
 * {@code allow-local-transactions} in the pooled factory's {@code outbound-config}).
 */
public final class JmsQueueFactory implements MessageQueueFactory {

    /** The Jakarta EE default connection factory. */
    public static final String DEFAULT_CONNECTION_FACTORY = "java:comp/DefaultJMSConnectionFactory";

    @Override
    public String kind() {
        return "jms";
    }

    @Override
    public <T> MessageQueue<T> create(String workerName, Class<T> payloadType,
                                      Function<String, Optional<String>> setting, Executor executor) {
        String prefix = "apiary.workers." + workerName + ".jms.";
        String destination = setting.apply("destination").filter(v -> !v.isBlank()).orElseThrow(() ->
                new ConfigurationException(prefix + "destination is empty; set it to the JMS queue's name"));
        String jndi = setting.apply("connection-factory").orElse(DEFAULT_CONNECTION_FACTORY);
        ConnectionFactory factory;
        try {
            factory = (ConnectionFactory) new InitialContext().lookup(jndi);
        } catch (NamingException | ClassCastException e) {
            throw new ConfigurationException("Worker '" + workerName + "': no JMS connection factory at '" + jndi
                    + "' (" + prefix + "connection-factory): " + e.getMessage() + "; define one on the server or"
                    + " set the key to its JNDI name", e);
        }
        JmsQueue.Builder<T> builder = JmsQueue.builder(factory, destination, payloadType)
                .executor(executor)
                .contextPerSend(true)
                .connectionPerConsumer(true);
        setting.apply("dead-letter-queue").ifPresent(builder::deadLetterQueue);
        setting.apply("max-attempts").ifPresent(v -> {
            try {
                builder.maxAttempts(Integer.parseInt(v.trim()));
            } catch (NumberFormatException e) {
                throw new ConfigurationException(prefix + "max-attempts = '" + v + "' is not a whole number", e);
            }
        });
        setting.apply("receive-timeout").ifPresent(v -> builder.receiveTimeout(duration(prefix + "receive-timeout",
                v)));
        return builder.build();
    }

    /** ISO-8601 ({@code PT5S}) or a number with {@code ms}, {@code s} or {@code m}. */
    static Duration duration(String key, String value) {
        String v = value.trim();
        try {
            if (v.startsWith("P") || v.startsWith("p")) {
                return Duration.parse(v);
            }
            if (v.endsWith("ms")) {
                return Duration.ofMillis(Long.parseLong(v.substring(0, v.length() - 2).trim()));
            }
            if (v.endsWith("s")) {
                return Duration.ofSeconds(Long.parseLong(v.substring(0, v.length() - 1).trim()));
            }
            if (v.endsWith("m")) {
                return Duration.ofMinutes(Long.parseLong(v.substring(0, v.length() - 1).trim()));
            }
        } catch (NumberFormatException | DateTimeParseException e) {
            throw new ConfigurationException(key + " = '" + value + "' is not a duration; use e.g. PT5S or 5s", e);
        }
        throw new ConfigurationException(key + " = '" + value + "' is not a duration; use e.g. PT5S or 5s");
    }
}
