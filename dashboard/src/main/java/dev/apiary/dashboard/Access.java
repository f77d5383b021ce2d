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

    /** The caller's login name, for the audit trail. */
    static String user(SecurityContext security) {
        return security.getUserPrincipal() == null ? "anonymous" : security.getUserPrincipal().getName();
    }
}
