package dev.apiary.examples.war.orders;

/**
 * An order to fulfil, sent through the server's own JMS queue. {@code reject} makes the warehouse refuse it on every
 * attempt, so it ends in the dead-letter queue.
 */
public record Order(String id, String item, boolean reject) {
}
