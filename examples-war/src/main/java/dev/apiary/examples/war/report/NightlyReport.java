package dev.apiary.examples.war.report;

import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.inject.Produces;
import jakarta.inject.Named;

/** The payload of each fire of the {@code nightly-report} schedule on {@link ReportBuilder}. */
@ApplicationScoped
public class NightlyReport {

    @Produces
    @Named("nightly-report")
    ReportRequest nightly() {
        return new ReportRequest("nightly", 1, null);
    }
}
