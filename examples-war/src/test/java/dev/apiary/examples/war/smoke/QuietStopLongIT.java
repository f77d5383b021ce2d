package dev.apiary.examples.war.smoke;

import org.junit.jupiter.api.Test;

/**
 * Payara Micro stopped with SIGINT (Ctrl-C in its terminal), with {@link QuietStartStop}, behind {@code -Plong}: a
 * server start more for a way an operator rarely stops a server in production. The smoke tests cover the others:
 * SIGTERM and {@code jboss-cli :shutdown} on WildFly, SIGTERM on Payara Micro, {@code server stop} on Open Liberty.
 * <p>
 * Measured on 2026-12-07: start under probes 38.9 s, exit 1.1 s after SIGINT with a report running (finished within
 * the grace period), no ERROR or stack trace. Before, the JVM seemed not to exit: a build run in the background
 * starts the server ignoring SIGINT (see {@link PayaraMicro}), and the RAR5027 SEVERE lines then came from the test
 * stopping PostgreSQL before the server on its failure path, not from the stop.
 */
class QuietStopLongIT {

    @Test
    void payaraMicroStopsQuietlyOnSigint() throws Exception {
        QuietStartStop.run(new PayaraMicro(), "SIGINT");
    }
}
