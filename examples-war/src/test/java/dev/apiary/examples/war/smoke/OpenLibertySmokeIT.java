package dev.apiary.examples.war.smoke;

import org.junit.jupiter.api.Test;

/** The example WAR on Open Liberty: boots, takes jobs over REST, runs them to their final state, stops. */
class OpenLibertySmokeIT {

    @Test
    void jobsReachTheirFinalStateOnOpenLiberty() throws Exception {
        SmokeScenario.run(new OpenLiberty());
    }
}
