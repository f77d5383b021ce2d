package dev.apiary.dashboard;

import jakarta.ws.rs.core.SecurityContext;

/** What the caller of a request may see. */
final class Access {

    private Access() {
    }

    static boolean isAdmin(DashboardSettings settings, SecurityContext security) {
        return settings.allowAnonymous() || security.isUserInRole(settings.adminRole());
    }

    static boolean seesPayloads(DashboardSettings settings, SecurityContext security) {
        return settings.showPayloads() || isAdmin(settings, security);
    }
}
