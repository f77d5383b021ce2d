package dev.apiary.examples.minimal;

import org.junit.jupiter.api.Test;

/**
 * {@link ScanningWithDashboardScenario} on Open Liberty with the {@code server.xml} of docs/getting-started.md plus the
 * servlet feature, which the dashboard's filters need (a real dashboard's {@code appSecurity-5.0} brings it too).
 */
class OpenLibertyScanningWithDashboardIT {

    @Test
    void theDashboardsResourcesServeNothingUnderAScanningApplication() throws Exception {
        ScanningWithDashboardScenario.run(OpenLibertyMinimalIT.server("servlet-6.0").withDashboard());
    }
}
