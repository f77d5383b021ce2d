package dev.apiary.examples.minimal;

import org.junit.jupiter.api.Test;

/** {@link ScanningWithDashboardScenario} on an unchanged Payara Micro. */
class PayaraMicroScanningWithDashboardIT {

    @Test
    void theDashboardsResourcesServeNothingUnderAScanningApplication() throws Exception {
        ScanningWithDashboardScenario.run(PayaraMicroMinimalIT.server().withDashboard());
    }
}
