package dev.apiary.examples.war.smoke;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

import java.util.List;

/** The example WAR on WildFly: boots, takes jobs over REST, runs them to their final state, stops quietly. */
class WildFlySmokeIT {

    @Test
    void jobsReachTheirFinalStateOnWildFly() throws Exception {
        SmokeScenario.run(new WildFly());
    }

    /**
     * A start under frequent readiness probes, a job, and a stop each way its operators stop it (SIGTERM and the
     * management CLI's {@code :shutdown}, which suspends the server first): no ERROR, no stack trace, readiness DOWN
     * "starting" until the workers run.
     */
    @ParameterizedTest(name = "{0}")
    @MethodSource("stopWays")
    void startsAndStopsQuietly(String way) throws Exception {
        QuietStartStop.run(new WildFly(), way);
    }

    static List<String> stopWays() {
        return new WildFly().stopWays();
    }
}
