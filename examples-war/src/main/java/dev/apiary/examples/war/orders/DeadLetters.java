package dev.apiary.examples.war.orders;

import dev.apiary.jms.JmsQueue;
import jakarta.jms.ConnectionFactory;
import jakarta.jms.JMSContext;
import jakarta.jms.JMSException;
import jakarta.jms.JMSRuntimeException;
import jakarta.jms.Message;
import jakarta.jms.QueueBrowser;

import javax.naming.InitialContext;
import javax.naming.NamingException;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;

/** Browses a dead-letter queue: what Apiary moved there, with the reason and the attempts as message properties. */
public final class DeadLetters {

    /** One dead-lettered message. */
    public record DeadLetter(String body, String reason, int attempts, String originalQueue) {
    }

    private DeadLetters() {
    }

    /** The messages {@code queue} holds now, browsed (left in place) through the factory at JNDI {@code factory}. */
    public static List<DeadLetter> browse(String factory, String queue) {
        ConnectionFactory cf;
        try {
            cf = (ConnectionFactory) new InitialContext().lookup(factory);
        } catch (NamingException e) {
            throw new IllegalStateException("no JMS connection factory at " + factory + ": " + e.getMessage(), e);
        }
        List<DeadLetter> result = new ArrayList<>();
        try (JMSContext context = cf.createContext();
             QueueBrowser browser = context.createBrowser(context.createQueue(queue))) {
            for (Object o : Collections.list(browser.getEnumeration())) {
                Message m = (Message) o;
                result.add(new DeadLetter(m.getBody(String.class), m.getStringProperty(JmsQueue.DEAD_LETTER_REASON),
                        m.propertyExists(JmsQueue.ATTEMPTS) ? m.getIntProperty(JmsQueue.ATTEMPTS) : 0,
                        m.getStringProperty(JmsQueue.ORIGINAL_QUEUE)));
            }
        } catch (JMSException | JMSRuntimeException e) {
            throw new IllegalStateException("cannot browse JMS queue " + queue + ": " + e.getMessage(), e);
        }
        return result;
    }
}
