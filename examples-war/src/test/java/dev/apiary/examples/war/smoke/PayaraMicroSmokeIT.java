package dev.apiary.examples.war.smoke;

import org.junit.jupiter.api.Test;

/** The example WAR on Payara Micro: boots, takes jobs over REST, runs them to their final state, stops quietly. */
class PayaraMicroSmokeIT {

    @Test
    void jobsReachTheirFinalStateOnPayaraMicro() throws Exception {
        SmokeScenario.run(new PayaraMicro());
    }

    /**
     * A start under frequent readiness probes, a job, and a SIGTERM stop, as a service manager or Kubernetes sends
     * it: no ERROR, no stack trace, readiness DOWN "starting" until the workers run. SIGINT (Ctrl-C in a terminal)
     * is in {@link QuietStopLongIT}.
     */
    @Test
    void startsAndStopsQuietly() throws Exception {
        QuietStartStop.run(new PayaraMicro(), ServerProcess.SIGTERM);
    }
}
