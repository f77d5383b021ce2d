package dev.apiary.examples.war.smoke;

import org.junit.jupiter.api.Test;

/** The example WAR on WildFly: boots, takes jobs over REST, runs them to their final state, stops quietly. */
class WildFlySmokeIT {

    @Test
    void jobsReachTheirFinalStateOnWildFly() throws Exception {
        SmokeScenario.run(new WildFly());
    }

    /**
     * A start under frequent readiness probes, a job, and a SIGTERM stop: no ERROR, no stack trace, readiness DOWN
     * "starting" until the workers run. The management CLI's {@code :shutdown} is in {@link QuietStopLongIT}: it is
     * not quiet yet.
     */
    @Test
    void startsAndStopsQuietly() throws Exception {
        QuietStartStop.run(new WildFly(), ServerProcess.SIGTERM);
    }
}
