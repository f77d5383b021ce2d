package dev.apiary.examples.war.orders;

import dev.apiary.JobContext;
import jakarta.enterprise.context.ApplicationScoped;

import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/** What {@link OrderProcessor} fulfilled since the application started, in memory: the example's "warehouse". */
@ApplicationScoped
public class FulfilledOrders {

    /** One fulfilled order, with what the job carried through the broker. */
    public record Fulfilled(String orderId, String jobId, int attempt, int priority, Map<String, String> metadata,
                            Instant at) {
    }

    private final List<Fulfilled> orders = new ArrayList<>();

    synchronized void add(Order order, JobContext context) {
        orders.add(new Fulfilled(order.id(), context.id(), context.attempt(), context.priority(), context.metadata(),
                Instant.now()));
    }

    public synchronized List<Fulfilled> all() {
        return List.copyOf(orders);
    }
}
