package dev.apiary.examples.war.orders;

import dev.apiary.Job;
import dev.apiary.JobHandler;
import dev.apiary.Outcome;
import dev.apiary.cdi.JobWorker;
import dev.apiary.cdi.Retry;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.inject.Inject;

import java.util.logging.Logger;

/**
 * Fulfils orders taken from a JMS queue of the server's own broker instead of a storage: the
 * {@code apiary.workers.order-processor.jms.*} keys name the queue (and the connection factory, by default the
 * platform's {@code java:comp/DefaultJMSConnectionFactory}). A rejected order fails each attempt, is re-sent with its
 * backoff as a delayed message, and after its last attempt lands in {@code orders.DLQ} with the reason.
 *
 * <p>Disabled by default ({@code microprofile-config.properties}): Payara Micro has no broker, and Open Liberty needs
 * its messaging features and a queue in {@code server.xml}. The WildFly smoke test enables it with its broker.
 */
@JobWorker(name = "order-processor", queue = OrderProcessor.QUEUE, concurrency = 2)
@Retry(initialDelay = "PT0.5S", maxDelay = "PT1S")
@ApplicationScoped
public class OrderProcessor implements JobHandler<Order> {

    /** The JMS queue, as the worker's {@code jms.destination} key names it. */
    public static final String QUEUE = "orders";

    private static final Logger LOG = Logger.getLogger(OrderProcessor.class.getName());

    @Inject
    FulfilledOrders fulfilled;

    @Override
    public Outcome handle(Job<Order> job) {
        Order order = job.payload();
        if (order.reject()) {
            LOG.info(() -> "order " + order.id() + ": attempt " + job.context().attempt() + "/"
                    + job.context().maxAttempts() + " rejected");
            throw new IllegalStateException("the warehouse rejected order " + order.id() + " (" + order.item() + ")");
        }
        fulfilled.add(order, job.context());
        LOG.info(() -> "order " + order.id() + " fulfilled (job " + job.id() + ")");
        return Outcome.done();
    }
}
