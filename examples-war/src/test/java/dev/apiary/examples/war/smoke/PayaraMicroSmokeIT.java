package dev.apiary.examples.war.smoke;

import org.junit.jupiter.api.Test;

/**
 * The example WAR on Payara Micro: boots, takes jobs over REST, runs them to their final state, stops. A start and
 * stop with no ERROR and no stack trace is not there yet: {@link QuietStopLongIT}.
 */
class PayaraMicroSmokeIT {

    @Test
    void jobsReachTheirFinalStateOnPayaraMicro() throws Exception {
        SmokeScenario.run(new PayaraMicro());
    }
}
