package dev.apiary.examples.war.smoke;

import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

import java.util.function.Supplier;

/**
 * The stop ways that are not quiet yet, run with {@link QuietStartStop} behind {@code -Plong} (each a server start):
 * <ul>
 * <li>WildFly's {@code jboss-cli :shutdown} suspends the server before it stops the application; a periodic Apiary
 * task (a poll or heartbeat tick) that comes due on the managed scheduler in that window (about 50 ms) is refused,
 * and WildFly logs the refusal as an ERROR with a stack trace ({@code WFLYEE0110}). About half the stops.</li>
 * <li>Payara Micro on SIGINT (Ctrl-C), and likewise SIGTERM: Payara's own JVM shutdown hook closes the connection
 * pools while Apiary's hook (the only stop Payara Micro gives the application) still stops the workers, whose last
 * polls and heartbeats then fail (Payara logs {@code RAR5027} as SEVERE, with stack traces); after SIGINT the JVM
 * was also seen not to exit within 50 s.</li>
 * </ul>
 * They move to the servers' smoke tests when they pass.
 */
class QuietStopLongIT {

    @ParameterizedTest(name = "{0} {1}")
    @CsvSource({"wildfly, jboss-cli :shutdown", "payara-micro, SIGINT", "payara-micro, SIGTERM"})
    void startsAndStopsQuietly(String server, String way) throws Exception {
        Supplier<ServerProcess> make = switch (server) {
            case "wildfly" -> WildFly::new;
            case "payara-micro" -> PayaraMicro::new;
            default -> throw new IllegalArgumentException(server);
        };
        QuietStartStop.run(make.get(), way);
    }
}
