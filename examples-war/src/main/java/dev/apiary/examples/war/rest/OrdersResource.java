package dev.apiary.examples.war.rest;

import dev.apiary.JobOptions;
import dev.apiary.JobQueue;
import dev.apiary.cdi.Queue;
import dev.apiary.examples.war.orders.DeadLetters;
import dev.apiary.examples.war.orders.FulfilledOrders;
import dev.apiary.examples.war.orders.Order;
import dev.apiary.examples.war.orders.OrderProcessor;
import dev.apiary.jms.JmsQueueFactory;
import jakarta.enterprise.context.RequestScoped;
import jakarta.inject.Inject;
import jakarta.json.bind.Jsonb;
import jakarta.json.bind.JsonbException;
import jakarta.ws.rs.GET;
import jakarta.ws.rs.POST;
import jakarta.ws.rs.Path;
import jakarta.ws.rs.Produces;
import jakarta.ws.rs.QueryParam;
import jakarta.ws.rs.core.MediaType;
import jakarta.ws.rs.core.Response;
import org.eclipse.microprofile.config.Config;

import java.util.ArrayList;
import java.util.List;

/**
 * Orders sent through the server's JMS queue ({@link OrderProcessor}): send some, list the fulfilled ones, and browse
 * the dead-letter queue. Answers 503 where the worker is disabled (a server without a broker). No Jakarta Messaging
 * type appears here ({@link DeadLetters} has them), so the resource loads on a server without the API.
 */
@Path("orders")
@Produces(MediaType.APPLICATION_JSON)
@RequestScoped
public class OrdersResource {

    private static final String PREFIX = "apiary.workers.order-processor.";

    @Inject
    @Queue(OrderProcessor.QUEUE)
    JobQueue<Order> orders;

    @Inject
    FulfilledOrders fulfilled;

    @Inject
    Jsonb jsonb;

    @Inject
    Config config;

    public record Sent(List<String> ids) {
    }

    public record Fulfilled(int count, List<FulfilledOrders.Fulfilled> orders) {
    }

    /** Sends each order of a JSON array as one message, with {@code priority} and a {@code source} metadata entry. */
    @POST
    public Response send(String body, @QueryParam("priority") String priority) {
        requireBroker();
        Order[] batch;
        try {
            batch = body == null || body.isBlank() ? null : jsonb.fromJson(body, Order[].class);
        } catch (JsonbException e) {
            throw ApiProblem.badRequest("the body is not a JSON array of orders [{id, item, reject}]");
        }
        if (batch == null || batch.length == 0 || batch.length > 1000) {
            throw ApiProblem.badRequest("send 1 to 1000 orders");
        }
        JobOptions options = JobOptions.defaults().withMetadata("source", "orders-api")
                .withPriority((int) QueuesResource.number("priority", priority, 0, -4, 5));
        List<String> ids = new ArrayList<>();
        for (Order order : batch) {
            if (order == null || order.id() == null || order.id().isBlank()) {
                throw ApiProblem.badRequest("every order needs an 'id'");
            }
            ids.add(orders.push(order, options));
        }
        return Response.status(Response.Status.CREATED).entity(new Sent(ids)).build();
    }

    @GET
    public Fulfilled fulfilled() {
        List<FulfilledOrders.Fulfilled> all = fulfilled.all();
        return new Fulfilled(all.size(), all);
    }

    /** What the dead-letter queue holds now (browsed, not consumed), with the reason and the attempts made. */
    @GET
    @Path("dead-letters")
    public List<DeadLetters.DeadLetter> deadLetters() {
        requireBroker();
        String dlq = config.getOptionalValue(PREFIX + "jms.dead-letter-queue", String.class)
                .orElse(OrderProcessor.QUEUE + ".DLQ");
        String factory = config.getOptionalValue(PREFIX + "jms.connection-factory", String.class)
                .orElse(JmsQueueFactory.DEFAULT_CONNECTION_FACTORY);
        try {
            return DeadLetters.browse(factory, dlq);
        } catch (IllegalStateException e) {
            throw new ApiProblem(Response.Status.SERVICE_UNAVAILABLE, e.getMessage());
        }
    }

    private void requireBroker() {
        if (!config.getOptionalValue(PREFIX + "enabled", Boolean.class).orElse(true)) {
            throw new ApiProblem(Response.Status.SERVICE_UNAVAILABLE, "orders go through the server's JMS broker,"
                    + " and the order-processor worker is disabled here; set " + PREFIX + "enabled=true on a server"
                    + " with a broker and a queue '" + OrderProcessor.QUEUE + "' (see the README)");
        }
    }
}
