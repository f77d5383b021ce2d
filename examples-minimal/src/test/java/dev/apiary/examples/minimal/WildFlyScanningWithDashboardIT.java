package dev.apiary.examples.minimal;

import org.junit.jupiter.api.Test;

/** {@link ScanningWithDashboardScenario} on WildFly ({@code standalone-microprofile.xml}). */
class WildFlyScanningWithDashboardIT {

    @Test
    void theDashboardsResourcesServeNothingUnderAScanningApplication() throws Exception {
        ScanningWithDashboardScenario.run(
                WildFlyMinimalIT.server(21_000 + (int) (ProcessHandle.current().pid() % 9_000)).withDashboard());
    }
}
