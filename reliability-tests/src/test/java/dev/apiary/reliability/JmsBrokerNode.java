package dev.apiary.reliability;

import dev.apiary.jms.EmbeddedBroker;

import java.nio.file.Path;

/**
 * A broker process for {@link JmsBrokerRestartTest}: an embedded ActiveMQ Artemis with its journal in a directory, on
 * a TCP port, so that a test can kill it and start it again on the same port and data. Arguments: port, data
 * directory. Prints {@code BROKER UP} once it accepts connections.
 */
public final class JmsBrokerNode {

    private JmsBrokerNode() {
    }

    public static void main(String[] args) throws Exception {
        EmbeddedBroker broker = EmbeddedBroker.start(Integer.parseInt(args[0]), Path.of(args[1]));
        System.out.println("BROKER UP " + broker.url());
        System.out.flush();
        Thread.currentThread().join();
    }
}
