package dev.apiary.examples.war.smoke;

import org.junit.jupiter.api.Test;

/** The example WAR on WildFly: boots, takes jobs over REST, runs them to their final state, stops. */
class WildFlySmokeIT {

    @Test
    void jobsReachTheirFinalStateOnWildFly() throws Exception {
        SmokeScenario.run(new WildFly());
    }
}
