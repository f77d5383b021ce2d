package dev.apiary.examples.war.smoke;

import jakarta.json.JsonArray;
import jakarta.json.JsonObject;
import jakarta.json.JsonValue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Orders through the server's own JMS broker: the example's {@code order-processor} worker consumes the queue
 * {@code orders} of WildFly's embedded Artemis (added to {@code standalone-microprofile.xml} by {@link #addBroker}),
 * and {@code JobQueue<Order>} sends to it. Every order sent is fulfilled once, and a rejected one ends in
 * {@code orders.DLQ} with the reason and its attempts. Elsewhere the worker is disabled (Payara Micro has no broker;
 * Open Liberty would need its messaging features and a queue) and the endpoint says so with a 503.
 */
final class JmsSmoke {

    private static final Duration TIMEOUT = Duration.ofSeconds(60);
    private static final int ORDERS = 20;

    private JmsSmoke() {
    }

    /** The settings that turn the worker on where {@link #addBroker} gave the server a broker. */
    static Map<String, String> settings() {
        return Map.of("APIARY_WORKERS_ORDER_PROCESSOR_ENABLED", "true");
    }

    static void assertOn(ServerProcess server) throws Exception {
        Http http = new Http();
        if (!(server instanceof WildFly)) {
            Http.Answer refused = http.post(server.app().resolve("api/orders"), "[{\"id\":\"o1\"}]");
            assertThat(refused.status()).as("orders without a broker: " + refused.body()).isEqualTo(503);
            assertThat(refused.object().getString("message")).contains("apiary.workers.order-processor.enabled");
            return;
        }
        long start = System.nanoTime();
        StringBuilder batch = new StringBuilder("[");
        for (int i = 0; i < ORDERS; i++) {
            batch.append("{\"id\":\"o").append(i).append("\",\"item\":\"item ").append(i).append("\"},");
        }
        batch.append("{\"id\":\"bad\",\"item\":\"out of stock\",\"reject\":true}]");
        Http.Answer sent = http.post(server.app().resolve("api/orders?priority=2"), batch.toString());
        assertThat(sent.status()).as("send orders: " + sent.body()).isEqualTo(201);
        assertThat(sent.object().getJsonArray("ids")).hasSize(ORDERS + 1);

        // every good order is fulfilled once, with the priority and metadata it was sent with
        JsonArray fulfilled = awaitFulfilled(http, server);
        List<String> ids = new ArrayList<>();
        for (JsonValue v : fulfilled) {
            JsonObject o = v.asJsonObject();
            ids.add(o.getString("orderId"));
            assertThat(o.getInt("priority")).as(o.toString()).isEqualTo(2);
            assertThat(o.getJsonObject("metadata").getString("source", "")).as(o.toString()).isEqualTo("orders-api");
        }
        assertThat(ids).as("fulfilled orders").doesNotHaveDuplicates().hasSize(ORDERS).doesNotContain("bad");

        // and the rejected one is dead-lettered after its last attempt, with the reason
        JsonObject dead = awaitDeadLetter(http, server);
        assertThat(dead.getString("body")).contains("\"bad\"");
        assertThat(dead.getString("reason")).contains("the warehouse rejected order bad");
        assertThat(dead.getInt("attempts")).isEqualTo(3);
        assertThat(dead.getString("originalQueue")).isEqualTo("orders");
        System.out.printf("%s JMS: %d orders fulfilled through the server's broker, 1 dead-lettered (%s) in %.1f s%n",
                server.name(), ORDERS, dead.getString("reason").lines().findFirst().orElse(""),
                (System.nanoTime() - start) / 1e9);
    }

    private static JsonArray awaitFulfilled(Http http, ServerProcess server) throws Exception {
        Instant deadline = Instant.now().plus(TIMEOUT);
        Http.Answer answer;
        do {
            answer = http.get(server.app().resolve("api/orders"));
            assertThat(answer.status()).as(answer.body()).isEqualTo(200);
            if (answer.object().getInt("count") >= ORDERS) {
                return answer.object().getJsonArray("orders");
            }
            Thread.sleep(250);
        } while (Instant.now().isBefore(deadline));
        throw new AssertionError("not all " + ORDERS + " orders fulfilled within " + TIMEOUT + ": " + answer.body());
    }

    private static JsonObject awaitDeadLetter(Http http, ServerProcess server) throws Exception {
        Instant deadline = Instant.now().plus(TIMEOUT);
        Http.Answer answer;
        do {
            answer = http.get(server.app().resolve("api/orders/dead-letters"));
            assertThat(answer.status()).as(answer.body()).isEqualTo(200);
            if (!answer.json().asJsonArray().isEmpty()) {
                assertThat(answer.json().asJsonArray()).as(answer.body()).hasSize(1);
                return answer.json().asJsonArray().getJsonObject(0);
            }
            Thread.sleep(250);
        } while (Instant.now().isBefore(deadline));
        throw new AssertionError("the rejected order is not in orders.DLQ within " + TIMEOUT + ": " + answer.body());
    }

    /**
     * Gives WildFly's {@code standalone-microprofile.xml} (MicroProfile Health and Telemetry, no broker) the embedded
     * Artemis of {@code standalone-full.xml}: its messaging subsystem with an in-VM connector, the queues
     * {@code orders} and {@code orders.DLQ}, the pooled {@code java:jboss/DefaultJMSConnectionFactory} (allowing the
     * local transactions Apiary's consumers use) and the {@code java:comp/DefaultJMSConnectionFactory} binding.
     */
    static void addBroker(Path standaloneXml) throws IOException {
        String xml = Files.readString(standaloneXml);
        String empty = "<subsystem xmlns=\"urn:jboss:domain:messaging-activemq:17.0\"/>";
        String bindings = "<default-bindings context-service=";
        if (!xml.contains(empty) || !xml.contains(bindings)) {
            throw new IllegalStateException("no empty messaging-activemq:17.0 subsystem or no EE default bindings in "
                    + standaloneXml + "; check the WildFly version");
        }
        String broker = """
                <subsystem xmlns="urn:jboss:domain:messaging-activemq:17.0">
                            <server name="default">
                                <security elytron-domain="ApplicationDomain"/>
                                <security-setting name="#">
                                    <role name="guest" send="true" consume="true" create-non-durable-queue="true" delete-non-durable-queue="true"/>
                                </security-setting>
                                <address-setting name="#" dead-letter-address="jms.queue.DLQ" expiry-address="jms.queue.ExpiryQueue" max-size-bytes="10485760" page-size-bytes="2097152"/>
                                <in-vm-connector name="in-vm" server-id="0">
                                    <param name="buffer-pooling" value="false"/>
                                </in-vm-connector>
                                <in-vm-acceptor name="in-vm" server-id="0">
                                    <param name="buffer-pooling" value="false"/>
                                </in-vm-acceptor>
                                <jms-queue name="ExpiryQueue" entries="java:/jms/queue/ExpiryQueue"/>
                                <jms-queue name="DLQ" entries="java:/jms/queue/DLQ"/>
                                <jms-queue name="orders" entries="java:/jms/queue/orders"/>
                                <jms-queue name="orders.DLQ" entries="java:/jms/queue/orders.DLQ"/>
                                <connection-factory name="InVmConnectionFactory" entries="java:/ConnectionFactory" connectors="in-vm"/>
                                <pooled-connection-factory name="activemq-ra" entries="java:/JmsXA java:jboss/DefaultJMSConnectionFactory" connectors="in-vm" transaction="xa">
                                    <outbound-config allow-local-transactions="true"/>
                                </pooled-connection-factory>
                            </server>
                        </subsystem>""";
        xml = xml.replace(empty, broker)
                .replace(bindings, "<default-bindings jms-connection-factory=\"java:jboss/DefaultJMSConnectionFactory\" "
                        + "context-service=");
        Files.writeString(standaloneXml, xml);
    }
}
