package dev.apiary.examples.war.smoke;

import org.junit.jupiter.api.Test;

/** The example WAR on Open Liberty: boots, takes jobs over REST, runs them to their final state, stops quietly. */
class OpenLibertySmokeIT {

    @Test
    void jobsReachTheirFinalStateOnOpenLiberty() throws Exception {
        SmokeScenario.run(new OpenLiberty());
    }

    /**
     * A start under frequent readiness probes and a stop each way its operators stop it (SIGTERM is the scenario's
     * last check, with a job running): no ERROR, no stack trace, readiness DOWN "starting" until the workers run.
     */
    @org.junit.jupiter.params.ParameterizedTest(name = "{0}")
    @org.junit.jupiter.params.provider.MethodSource("otherStopWays")
    void startsAndStopsQuietly(String way) throws Exception {
        QuietStartStop.run(new OpenLiberty(), way);
    }

    static java.util.List<String> otherStopWays() {
        return new OpenLiberty().stopWays().stream().filter(w -> !w.equals(ServerProcess.SIGTERM)).toList();
    }
}
