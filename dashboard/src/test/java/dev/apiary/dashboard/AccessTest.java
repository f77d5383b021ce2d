package dev.apiary.dashboard;

import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;

/** What a caller may see once let in: admins act and see payloads; viewers see payloads only when configured. */
class AccessTest {

    @Test
    void anAdminIsOneInTheConfiguredAdminRole() {
        DashboardSettings settings = Requests.settings("ops-read", "ops-write", false, false);

        assertThat(Access.isAdmin(settings, Requests.user("ada", "ops-write"))).isTrue();
        assertThat(Access.isAdmin(settings, Requests.user("old", "apiary-admin"))).isFalse();
        assertThat(Access.isAdmin(settings, Requests.user("vera", "ops-read"))).isFalse();
    }

    @Test
    void viewersSeePayloadsOnlyWhenShowPayloadsIsOn() {
        DashboardSettings hidden = Requests.defaults();
        DashboardSettings shown = Requests.settings("apiary-viewer", "apiary-admin", false, true);

        assertThat(Access.seesPayloads(hidden, Requests.user("vera", "apiary-viewer"))).isFalse();
        assertThat(Access.seesPayloads(shown, Requests.user("vera", "apiary-viewer"))).isTrue();
        assertThat(Access.seesPayloads(hidden, Requests.user("ada", "apiary-admin"))).isTrue();
    }

    @Test
    void withAnonymousAccessEveryoneIsAnAdmin() {
        DashboardSettings open = Requests.settings("apiary-viewer", "apiary-admin", true, false);

        assertThat(Access.isAdmin(open, Requests.nobody())).isTrue();
        assertThat(Access.seesPayloads(open, Requests.nobody())).isTrue();
    }

    @Test
    void theAuditTrailNamesTheUserOrAnonymous() {
        assertThat(Access.user(Requests.user("ada", "apiary-admin"))).isEqualTo("ada");
        assertThat(Access.user(Requests.nobody())).isEqualTo("anonymous");
    }
}
