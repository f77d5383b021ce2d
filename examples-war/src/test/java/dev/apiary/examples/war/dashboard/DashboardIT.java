package dev.apiary.examples.war.dashboard;

import com.microsoft.playwright.Browser;
import com.microsoft.playwright.BrowserContext;
import com.microsoft.playwright.BrowserType;
import com.microsoft.playwright.Locator;
import com.microsoft.playwright.Page;
import com.microsoft.playwright.Playwright;
import com.microsoft.playwright.assertions.LocatorAssertions;
import dev.apiary.examples.war.smoke.PayaraMicro;
import jakarta.json.Json;
import jakarta.json.JsonObject;
import jakarta.json.JsonStructure;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Nested;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.TestMethodOrder;

import java.io.StringReader;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.Base64;
import java.util.Map;

import static com.microsoft.playwright.assertions.PlaywrightAssertions.assertThat;
import static org.assertj.core.api.Assertions.assertThat;

/**
 * The dashboard of the example WAR on Payara Micro, with the example's users ({@code admin}, {@code viewer}): its API
 * (roles, bad parameters, unknown queues and jobs) over HTTP, and its page in a real browser (Debian's chromium,
 * headless, driven by Playwright). Screenshots of each page go to {@code target/dashboard-screenshots}.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class DashboardIT {

    private static final Duration BOOT_TIMEOUT = Duration.ofSeconds(240);
    private static final Duration JOB_TIMEOUT = Duration.ofSeconds(60);
    private static final Path SCREENSHOTS = Path.of(System.getProperty("dashboard.screenshots",
            "target/dashboard-screenshots"));

    /** Workers of the copies are off: the example's own instances run every job of the shared database. */
    private static final String[] WORKERS = {"mail-sender", "report-builder", "reminder-sender", "ledger-sync"};

    private final PayaraMicro server = new PayaraMicro();
    private URI renamedRoles;
    private URI openToAnyone;
    private final HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();

    @BeforeAll
    void boot() throws Exception {
        Path war = Path.of(System.getProperty("smoke.war", "target/apiary-example.war"));
        Path work = Path.of(System.getProperty("smoke.work", "target/smoke")).resolve("dashboard");
        // two copies of the example in the same server: one with renamed roles, one open to anyone
        server.alsoDeploying(withoutWorkers(new WarVariant())
                .set("apiary.dashboard.viewer-role", "ops-read").set("apiary.dashboard.admin-role", "ops-write")
                .set("example.users", "reader:reader:ops-read,writer:writer:ops-write,viewer:viewer:apiary-viewer")
                .file("WEB-INF/web.xml", webXml("<security-role><role-name>ops-read</role-name></security-role>"
                        + "<security-role><role-name>ops-write</role-name></security-role>"))
                .file("WEB-INF/glassfish-web.xml", GLASSFISH_ROLES)
                .write(war, work.resolve("wars"), "apiary-renamed-roles"));
        // open to anyone: no login asked, and a user with none of the dashboard's roles may read and act too
        server.alsoDeploying(withoutWorkers(new WarVariant())
                .set("apiary.dashboard.allow-anonymous", "true")
                .set("example.users", "guest:guest:no-dashboard-role")
                .write(war, work.resolve("wars"), "apiary-open"));
        server.start(war, work, Map.of());
        renamedRoles = server.app().resolve("/apiary-renamed-roles/");
        openToAnyone = server.app().resolve("/apiary-open/");
        Instant deadline = Instant.now().plus(BOOT_TIMEOUT);
        String last = "nothing yet";
        while (Instant.now().isBefore(deadline)) {
            if (!server.isAlive() || server.deploymentFailure().isPresent()) {
                throw new AssertionError("Payara Micro did not deploy the WAR:\n" + server.logTail(60));
            }
            try {
                Answer workers = call("GET", "workers", "admin");
                last = workers.status + " " + workers.body;
                Answer renamed = call(renamedRoles, "GET", "queues", "reader");
                Answer open = call(openToAnyone, "GET", "session", null);
                last = workers.status + " " + workers.body + "; renamed roles: " + renamed.status + " " + renamed.body
                        + "; open: " + open.status + " " + open.body;
                if (workers.status == 200 && workers.body.contains("report-builder") && renamed.status != 404
                        && open.status != 404) {
                    return;
                }
            } catch (java.io.IOException e) {
                last = e.toString();
            }
            Thread.sleep(500);
        }
        throw new AssertionError("dashboard not ready within " + BOOT_TIMEOUT + " (last: " + last + ")\n"
                + server.logTail(60));
    }

    @AfterAll
    void stop() {
        server.close();
    }

    // ---- the API

    @Nested
    @TestInstance(TestInstance.Lifecycle.PER_CLASS)
    class Api {

        @Test
        void anonymousCallersAreAskedToLogIn() throws Exception {
            for (String path : new String[] {"session", "queues", "workers", "queues/email/jobs", "schedules"}) {
                assertThat(call("GET", path, null).status).as(path).isEqualTo(401);
            }
            assertThat(call("POST", "queues/email/jobs/retry?status=FAILED", null).status).isEqualTo(401);
            assertThat(call("GET", "queues", "nobody").status).as("unknown user").isEqualTo(401);
        }

        @Test
        void viewersReadButMayNotAct() throws Exception {
            String failed = failedReport("viewer-may-not-retry");
            assertThat(call("GET", "queues", "viewer").status).isEqualTo(200);
            assertThat(call("GET", "queues/report/jobs/" + failed, "viewer").status).isEqualTo(200);

            for (String[] act : new String[][] {{"POST", "queues/report/jobs/" + failed + "/retry"},
                    {"POST", "queues/report/jobs/" + failed + "/kill"}, {"DELETE", "queues/report/jobs/" + failed},
                    {"POST", "queues/report/jobs/retry?status=FAILED"}, {"DELETE", "queues/report/jobs?status=FAILED"}}) {
                Answer refused = call(act[0], act[1], "viewer");
                assertThat(refused.status).as(act[0] + " " + act[1] + ": " + refused.body).isEqualTo(403);
                assertThat(refused.json().asJsonObject().getString("message")).contains("apiary-admin");
            }
            assertThat(job(failed, "admin").getString("status")).isEqualTo("FAILED");
        }

        @Test
        void adminsActOnOneJobAndOnAStatus() throws Exception {
            String failed = failedReport("admin-retries");
            Answer retried = call("POST", "queues/report/jobs/" + failed + "/retry", "admin");
            assertThat(retried.status).as(retried.body).isEqualTo(200);
            assertThat(retried.json().asJsonObject().getString("status")).isIn("PENDING", "RUNNING", "FAILED");

            String other = failedReport("admin-deletes");
            Answer deleted = call("DELETE", "queues/report/jobs?status=FAILED", "admin");
            assertThat(deleted.status).as(deleted.body).isEqualTo(200);
            assertThat(deleted.json().asJsonObject().getInt("jobs")).isGreaterThanOrEqualTo(1);
            assertThat(call("GET", "queues/report/jobs/" + other, "admin").status).isEqualTo(404);
        }

        @Test
        void payloadsAreHiddenFromViewersAndShownToAdmins() throws Exception {
            String id = failedReport("personal-data");
            JsonObject asViewer = job(id, "viewer");
            JsonObject asAdmin = job(id, "admin");
            assertThat(asViewer.getBoolean("payloadHidden")).isTrue();
            assertThat(!asViewer.containsKey("payload") || asViewer.isNull("payload")).as(asViewer.toString()).isTrue();
            assertThat(asAdmin.getBoolean("payloadHidden")).isFalse();
            assertThat(asAdmin.getJsonObject("payload").getString("name")).isEqualTo("personal-data");
        }

        @Test
        void badParametersAreRefusedWithAMessage() throws Exception {
            expectError(call("GET", "queues/email/jobs?limit=0", "viewer"), 400, "'limit' must be between 1 and 200");
            expectError(call("GET", "queues/email/jobs?limit=5000", "viewer"), 400, "'limit'");
            expectError(call("GET", "queues/email/jobs?offset=-1", "viewer"), 400, "'offset'");
            expectError(call("GET", "queues/email/jobs?status=LOST", "viewer"), 400, "unknown status 'LOST'");
            expectError(call("GET", "queues/throughput?minutes=many", "viewer"), 400, "'minutes'");
            expectError(call("POST", "queues/email/jobs/retry", "admin"), 400, "'status' is required");
            expectError(call("POST", "queues/email/jobs/retry?status=DONE", "admin"), 400, "not DONE");
            expectError(call("DELETE", "queues/email/jobs?status=RUNNING", "admin"), 400, "kill them first");
        }

        @Test
        void unknownQueuesAndJobsAreNotFound() throws Exception {
            expectError(call("GET", "queues/no-such-queue/jobs", "viewer"), 404, "no queue 'no-such-queue'");
            expectError(call("GET", "queues/email/jobs/no-such-job", "viewer"), 404, "no job 'no-such-job'");
            expectError(call("POST", "queues/email/jobs/no-such-job/retry", "admin"), 404, "no job");
        }

        @Test
        void schedulesAreListedForViewersAndActedOnByAdmins() throws Exception {
            Answer list = call("GET", "schedules", "viewer");
            assertThat(list.status).as(list.body).isEqualTo(200);
            JsonObject nightly = list.json().asJsonArray().getJsonObject(0);
            assertThat(nightly.getString("name")).isEqualTo("nightly-report");
            assertThat(nightly.getString("queue")).isEqualTo("report");
            assertThat(nightly.getString("cron")).isEqualTo("*/10 * * * * *");
            assertThat(nightly.getString("zone")).isEqualTo("Europe/Paris");
            assertThat(nightly.getBoolean("enabled")).isTrue();
            assertThat(Instant.parse(nightly.getString("nextFire"))).isAfter(Instant.now().minusSeconds(10));
            assertThat(call("GET", "session", "viewer").json().asJsonObject().getBoolean("schedules")).isTrue();

            for (String act : new String[] {"pause", "resume", "trigger"}) {
                Answer refused = call("POST", "schedules/nightly-report/" + act, "viewer");
                assertThat(refused.status).as(act + ": " + refused.body).isEqualTo(403);
                assertThat(refused.json().asJsonObject().getString("message")).contains("'apiary-admin'");
            }
            Answer triggered = call("POST", "schedules/nightly-report/trigger", "admin");
            assertThat(triggered.status).as(triggered.body).isEqualTo(200);
            JsonObject job = job(triggered.json().asJsonObject().getString("id"), "admin");
            assertThat(job.getJsonObject("metadata").getString("apiary.trigger")).isEqualTo("manual");
            expectError(call("POST", "schedules/no-such-schedule/pause", "admin"), 404,
                    "no schedule 'no-such-schedule'; schedules are [nightly-report]");
        }

        @Test
        void jobsAreFoundByIdAndListedByStatusNewestFirst() throws Exception {
            String first = failedReport("search-1");
            String second = failedReport("search-2");
            Answer page = call("GET", "queues/report/jobs?status=FAILED&limit=2", "viewer");
            assertThat(page.json().asJsonObject().getJsonArray("items").getJsonObject(0).getString("id"))
                    .isEqualTo(second);
            Answer found = call("GET", "queues/report/jobs?search=" + first, "viewer");
            assertThat(found.json().asJsonObject().getJsonArray("items")).hasSize(1);
            assertThat(found.json().asJsonObject().getJsonArray("items").getJsonObject(0).getString("id"))
                    .isEqualTo(first);
        }
    }

    // ---- the dashboard as an application configures it (copies of the example in the same server)

    @Nested
    @TestInstance(TestInstance.Lifecycle.PER_CLASS)
    class Configured {

        @Test
        void renamedRolesReplaceTheDefaultOnes() throws Exception {
            assertThat(call(renamedRoles, "GET", "queues", "reader").status).isEqualTo(200);
            assertThat(call(renamedRoles, "GET", "session", "reader").json().asJsonObject().getBoolean("admin"))
                    .isFalse();
            Answer refused = call(renamedRoles, "POST", "queues/report/jobs/no-such-job/retry", "reader");
            assertThat(refused.status).as(refused.body).isEqualTo(403);
            assertThat(refused.json().asJsonObject().getString("message")).contains("ops-write");

            assertThat(call(renamedRoles, "GET", "session", "writer").json().asJsonObject().getBoolean("admin"))
                    .isTrue();
            // past the role check: the job is unknown
            expectError(call(renamedRoles, "POST", "queues/report/jobs/no-such-job/retry", "writer"), 404, "no job");

            Answer oldRole = call(renamedRoles, "GET", "queues", "viewer");
            assertThat(oldRole.status).as("a user in apiary-viewer, no longer the viewer role: " + oldRole.body)
                    .isEqualTo(403);
            // a read names the role it needs: the viewer role
            assertThat(oldRole.json().asJsonObject().getString("message"))
                    .contains("user 'viewer' lacks role 'ops-read'");
            Answer schedules = call(renamedRoles, "GET", "schedules", "viewer");
            assertThat(schedules.status).as(schedules.body).isEqualTo(403);
            assertThat(schedules.json().asJsonObject().getString("message")).contains("'ops-read'");
        }

        @Test
        void allowAnonymousLetsAnyoneInWithoutALoginAndLogsAWarning() throws Exception {
            // no credentials at all: the page, reading and acting
            HttpResponse<String> page = http.send(HttpRequest.newBuilder(openToAnyone.resolve("apiary/index.html"))
                    .timeout(Duration.ofSeconds(15)).build(), HttpResponse.BodyHandlers.ofString());
            assertThat(page.statusCode()).as("the page, anonymous: " + page.body()).isEqualTo(200);
            assertThat(page.body()).contains("app.js");
            Answer session = call(openToAnyone, "GET", "session", null);
            assertThat(session.status).as(session.body).isEqualTo(200);
            assertThat(session.json().asJsonObject().getBoolean("admin")).isTrue();
            Answer queues = call(openToAnyone, "GET", "queues", null);
            assertThat(queues.status).as(queues.body).isEqualTo(200);
            assertThat(queues.body).contains("\"report\"");
            assertThat(call(openToAnyone, "GET", "queues/report/jobs?status=FAILED", null).status).isEqualTo(200);
            expectError(call(openToAnyone, "POST", "queues/report/jobs/no-such-job/retry", null), 404, "no job");
            // a user with none of the dashboard's roles too
            assertThat(call(openToAnyone, "GET", "queues", "guest").status).isEqualTo(200);

            assertThat(java.nio.file.Files.readString(server.log()))
                    .contains("apiary.dashboard.allow-anonymous=true: the Apiary dashboard and its API let anyone");
            // the example itself still asks for a login
            assertThat(call("GET", "queues", null).status).isEqualTo(401);
        }
    }

    // ---- what the API returns: payloads only in a job's detail, no payload text for viewers, an audit trail

    @Nested
    @TestInstance(TestInstance.Lifecycle.PER_CLASS)
    class DataAndAudit {

        @Test
        void listsCarryNoPayloadsAndTheDetailDoes() throws Exception {
            String big = "big-" + "x".repeat(200_000);
            String id = failedReport(big);

            Answer page = call("GET", "queues/report/jobs?status=FAILED&limit=20", "admin");
            assertThat(page.status).as(page.body).isEqualTo(200);
            JsonObject row = page.json().asJsonObject().getJsonArray("items").stream().map(v -> v.asJsonObject())
                    .filter(j -> j.getString("id").equals(id)).findFirst().orElseThrow();
            assertThat(!row.containsKey("payload") || row.isNull("payload")).as(row.toString()).isTrue();
            // the report's error quotes its name: cut in the list, whole in the detail
            assertThat(row.getString("lastError").length()).isLessThanOrEqualTo(301);
            assertThat(page.body.getBytes(StandardCharsets.UTF_8).length)
                    .as("a page of up to 20 jobs, one of 200 kB, in bytes").isLessThan(50_000);

            JsonObject detail = job(id, "admin");
            assertThat(detail.getJsonObject("payload").getString("name")).isEqualTo(big);
            assertThat(detail.getString("lastErrorTrace")).contains(big);
        }

        @Test
        void viewersSeeNoPayloadTextInErrors() throws Exception {
            String secret = "Jane-Secret-" + System.nanoTime();
            String id = failedReport(secret);

            assertThat(job(id, "admin").getString("lastError")).contains(secret);
            Answer detail = call("GET", "queues/report/jobs/" + id, "viewer");
            Answer list = call("GET", "queues/report/jobs?status=FAILED&limit=200", "viewer");
            Answer found = call("GET", "queues/report/jobs?search=" + id, "viewer");
            for (Answer answer : new Answer[] {detail, list, found}) {
                assertThat(answer.status).as(answer.body).isEqualTo(200);
                assertThat(answer.body).doesNotContain(secret);
            }
            assertThat(detail.json().asJsonObject().getString("lastError")).startsWith("[hidden");
        }

        @Test
        void adminActionsAreAuditedAndOnlyAdminsReadTheTrail() throws Exception {
            String id = failedReport("audited");
            Instant before = Instant.now().minusSeconds(1);
            assertThat(call("POST", "queues/report/jobs/" + id + "/kill", "admin").status).isEqualTo(409);
            Answer deleted = call("DELETE", "queues/report/jobs/" + id, "admin");
            assertThat(deleted.status).as(deleted.body).isEqualTo(200);

            Answer trail = call("GET", "audit", "admin");
            assertThat(trail.status).as(trail.body).isEqualTo(200);
            JsonObject latest = trail.json().asJsonArray().getJsonObject(0);
            assertThat(latest.getString("user")).isEqualTo("admin");
            assertThat(latest.getString("action")).isEqualTo("delete");
            assertThat(latest.getString("target")).isEqualTo("queue report, job " + id);
            assertThat(latest.getInt("jobs")).isEqualTo(1);
            assertThat(Instant.parse(latest.getString("at"))).isAfter(before);
            JsonObject refused = trail.json().asJsonArray().getJsonObject(1);
            assertThat(refused.getString("action")).isEqualTo("kill");
            assertThat(refused.getInt("jobs")).as("a kill the job's status refused changed nothing").isZero();
            assertThat(java.nio.file.Files.readString(server.log()))
                    .contains("Apiary dashboard audit: user 'admin' delete queue report, job " + id + ": 1 job");

            Answer asViewer = call("GET", "audit", "viewer");
            assertThat(asViewer.status).as(asViewer.body).isEqualTo(403);
            assertThat(asViewer.body).doesNotContain(id);
            assertThat(call("GET", "audit", null).status).isEqualTo(401);
        }
    }

    // ---- the page, in a browser

    @Nested
    @TestInstance(TestInstance.Lifecycle.PER_CLASS)
    @TestMethodOrder(MethodOrderer.OrderAnnotation.class)
    class InABrowser {

        private Playwright playwright;
        private Browser browser;

        @BeforeAll
        void launch() throws Exception {
            // traffic for the chart and the counts: e-mails (a share of attempts fail and are retried) and a ledger
            // sync that ends killed
            for (int i = 0; i < 30; i++) {
                enqueue("email", "maxAttempts=5", "{\"to\":\"user" + i + "@example.com\",\"subject\":\"Hi\"}");
            }
            enqueue("ledger-sync", "maxAttempts=2", "{\"account\":\"ACME\",\"amount\":12.50}");
            Path chromium = Path.of(System.getProperty("dashboard.chromium", "/usr/bin/chromium"));
            if (!java.nio.file.Files.isExecutable(chromium)) {
                throw new AssertionError("The dashboard's browser tests need Chromium at " + chromium + ": install it "
                        + "with 'apt-get install -y --no-install-recommends chromium' (.ci/run does), or set "
                        + "-Ddashboard.chromium=<path>");
            }
            playwright = Playwright.create(new Playwright.CreateOptions()
                    .setEnv(Map.of("PLAYWRIGHT_SKIP_BROWSER_DOWNLOAD", "1")));
            browser = playwright.chromium().launch(new BrowserType.LaunchOptions().setHeadless(true)
                    .setExecutablePath(chromium));
        }

        @AfterAll
        void close() {
            if (playwright != null) {
                playwright.close();
            }
        }

        private Page open(String user, String hash, int width, int height) {
            BrowserContext context = browser.newContext(new Browser.NewContextOptions()
                    .setHttpCredentials(user, user).setViewportSize(width, height));
            Page page = context.newPage();
            page.setDefaultTimeout(JOB_TIMEOUT.toMillis());
            page.navigate(server.app().resolve("apiary/index.html" + hash).toString());
            return page;
        }

        private void screenshot(Page page, String name) {
            page.screenshot(new Page.ScreenshotOptions().setPath(SCREENSHOTS.resolve(name + ".png")).setFullPage(true));
        }

        @Test
        @Order(1)
        void theOverviewShowsEveryQueueWithTheStoragesCounts() throws Exception {
            failedReport("overview");
            Page page = open("admin", "#/", 1280, 800);
            assertThat(page.locator("#user")).containsText("admin");
            Locator reportRow = page.locator("#queues tr[data-queue='report']");
            assertThat(reportRow).isVisible();

            // the counts the page shows are the storage's (read through the API after the page has refreshed)
            JsonObject report = call("GET", "queues", "admin").json().asJsonArray().stream()
                    .map(v -> v.asJsonObject()).filter(q -> q.getString("name").equals("report")).findFirst()
                    .orElseThrow();
            long failed = report.getJsonObject("counts").getJsonNumber("FAILED").longValue();
            assertThat(reportRow.locator("td[data-status='FAILED']")).hasText(Long.toString(failed));
            for (String queue : new String[] {"email", "report", "reminder", "ledger-sync"}) {
                assertThat(page.locator("#queues tr[data-queue='" + queue + "']")).isVisible();
            }
            assertThat(page.locator("#chart canvas")).isVisible();
            screenshot(page, "overview");

            Page phone = open("admin", "#/", 390, 844);
            assertThat(phone.locator("#queues tr[data-queue='report']")).isVisible();
            screenshot(phone, "overview-phone");
        }

        @Test
        @Order(2)
        void anAdminRetriesAFailedJobFromThePageAndSeesItDone() throws Exception {
            Instant ready = Instant.now().plusSeconds(3);
            String id = failedReport("retry-from-page", ready);
            Page page = open("admin", "#/queue/report?status=FAILED", 1280, 800);
            page.locator("#jobs tr[data-job='" + id + "'] a").click();
            assertThat(page.locator("#job-status")).hasText("FAILED");
            assertThat(page.locator("#error")).containsText("is not ready");
            screenshot(page, "failed-job");

            while (Instant.now().isBefore(ready.plusMillis(200))) {
                page.waitForTimeout(200);
            }
            page.locator("button[data-action='retry']").click();
            assertThat(page.locator("#confirm")).isVisible();
            page.locator("#confirm-ok").click();
            assertThat(page.locator("#job-status")).hasText("DONE",
                    new LocatorAssertions.HasTextOptions().setTimeout(JOB_TIMEOUT.toMillis()));
            assertThat(job(id, "admin").getString("status")).isEqualTo("DONE");
            // the handler's result (Outcome.done("<n> rows")) is stored and shown; hidden from viewers with payloads
            assertThat(job(id, "admin").getString("result")).matches("\\d+ rows");
            assertThat(page.locator("#result")).containsText(" rows");
            JsonObject asViewer = job(id, "viewer");
            assertThat(!asViewer.containsKey("result") || asViewer.isNull("result")).as(asViewer.toString()).isTrue();
            screenshot(page, "retried-job-done");
        }

        @Test
        @Order(3)
        void theProgressBarOfARunningJobAdvances() throws Exception {
            String id = enqueueReport("{\"name\":\"progress\",\"seconds\":8}", 3);
            Page page = open("admin", "#/job/report/" + id, 1280, 800);
            Locator bar = page.locator("#job-progress");
            assertThat(bar).isVisible();
            int first = Integer.parseInt(bar.getAttribute("value"));
            page.waitForCondition(() -> bar.count() == 1 && Integer.parseInt(bar.getAttribute("value")) > first,
                    new Page.WaitForConditionOptions().setTimeout(JOB_TIMEOUT.toMillis()));
            assertThat(page.locator("#job-progress-text")).containsText("section");
            screenshot(page, "progress");
        }

        @Test
        @Order(4)
        void aViewerSeesNoActionButtonsAndNoPayload() throws Exception {
            String id = failedReport("viewer-page");
            Page page = open("viewer", "#/job/report/" + id, 1280, 800);
            assertThat(page.locator("#user")).containsText("viewer");
            assertThat(page.locator("#job-status")).hasText("FAILED");
            assertThat(page.locator("#payload-hidden")).isVisible();
            assertThat(page.locator("button[data-action]")).hasCount(0);
            screenshot(page, "viewer-job");

            page.navigate(server.app().resolve("apiary/index.html#/queue/report?status=FAILED").toString());
            assertThat(page.locator("#jobs tr[data-job='" + id + "']")).isVisible();
            assertThat(page.locator("button[data-action]")).hasCount(0);
        }

        @Test
        @Order(5)
        void anAdminPausesAndResumesAScheduleAndAViewerSeesNoButtons() {
            Page viewer = open("viewer", "#/schedules", 1280, 800);
            Locator row = viewer.locator("#schedules tr[data-schedule='nightly-report']");
            assertThat(row).containsText("*/10 * * * * *");
            assertThat(row.locator("td[data-state]")).hasText("ACTIVE");
            assertThat(row.locator("td.next-fire")).not().isEmpty();
            assertThat(viewer.locator("button[data-action]")).hasCount(0);

            Page admin = open("admin", "#/", 1280, 800);
            admin.locator("#nav a[data-page='schedules']").click();
            Locator adminRow = admin.locator("#schedules tr[data-schedule='nightly-report']");
            adminRow.locator("button[data-action='pause']").click();
            admin.locator("#confirm-ok").click();
            assertThat(adminRow.locator("td[data-state]")).hasText("PAUSED");
            assertThat(adminRow.locator("td.next-fire")).isEmpty();
            screenshot(admin, "schedules-paused");

            adminRow.locator("button[data-action='resume']").click();
            admin.locator("#confirm-ok").click();
            assertThat(adminRow.locator("td[data-state]")).hasText("ACTIVE");
            adminRow.locator("button[data-action='trigger']").click();
            admin.locator("#confirm-ok").click();
            assertThat(admin.locator("#toast")).containsText("enqueued");
            screenshot(admin, "schedules");
        }

        @Test
        @Order(6)
        void theWorkersPageListsEveryInstance() {
            Page page = open("viewer", "#/workers", 1280, 800);
            assertThat(page.locator("#workers tbody tr").first()).isVisible();
            assertThat(page.locator("#workers")).containsText("report-builder");
            assertThat(page.locator("#workers")).containsText("mail-sender");
            screenshot(page, "workers");

            // the overview once the tests have run jobs of every kind: the README's picture
            page.navigate(server.app().resolve("apiary/index.html#/").toString());
            assertThat(page.locator("#chart canvas")).isVisible();
            screenshot(page, "overview-after-tests");
        }

        @Test
        @Order(7)
        void anAdminSeesTheAuditTrailAndAViewerHasNoAuditPage() throws Exception {
            String id = failedReport("audit-page");
            assertThat(call("POST", "queues/report/jobs/" + id + "/retry", "admin").status).isEqualTo(200);

            Page admin = open("admin", "#/audit", 1280, 800);
            assertThat(admin.locator("#nav-audit")).isVisible();
            Locator row = admin.locator("#audit tbody tr").filter(new Locator.FilterOptions()
                    .setHasText("queue report, job " + id));
            assertThat(row).hasCount(1);
            assertThat(row).containsText("admin");
            assertThat(row).containsText("retry");
            screenshot(admin, "audit");

            Page viewer = open("viewer", "#/", 1280, 800);
            assertThat(viewer.locator("#queues")).isVisible();
            assertThat(viewer.locator("#nav-audit")).isHidden();
        }
    }

    // ---- helpers

    /** A report that failed on its only attempt, its data not ready for an hour (or until {@code ready}). */
    private String failedReport(String name) throws Exception {
        return failedReport(name, Instant.now().plusSeconds(3600));
    }

    private String failedReport(String name, Instant ready) throws Exception {
        String id = enqueueReport("{\"name\":\"" + name + "\",\"seconds\":1,\"dataReadyAt\":\"" + ready + "\"}", 1);
        Instant deadline = Instant.now().plus(JOB_TIMEOUT);
        while (Instant.now().isBefore(deadline)) {
            if (job(id, "admin").getString("status").equals("FAILED")) {
                return id;
            }
            Thread.sleep(200);
        }
        throw new AssertionError("report " + id + " did not fail within " + JOB_TIMEOUT + ": " + job(id, "admin"));
    }

    private String enqueueReport(String body, int maxAttempts) throws Exception {
        return enqueue("report", "maxAttempts=" + maxAttempts, body);
    }

    /** Enqueues through the example's own API (not the dashboard's, which only reads and acts). */
    private String enqueue(String queue, String query, String body) throws Exception {
        HttpResponse<String> answer = http.send(HttpRequest.newBuilder(
                        server.app().resolve("api/queues/" + queue + "/jobs?" + query))
                .header("Content-Type", "application/json").timeout(Duration.ofSeconds(15))
                .POST(HttpRequest.BodyPublishers.ofString(body)).build(), HttpResponse.BodyHandlers.ofString());
        assertThat(answer.statusCode()).as(answer.body()).isEqualTo(201);
        return new Answer(answer.statusCode(), answer.body(), "").json().asJsonObject().getString("id");
    }

    private JsonObject job(String id, String user) throws Exception {
        Answer answer = call("GET", "queues/report/jobs/" + id, user);
        assertThat(answer.status).as(answer.body).isEqualTo(200);
        return answer.json().asJsonObject();
    }

    private static WarVariant withoutWorkers(WarVariant war) {
        for (String worker : WORKERS) {
            war.set("apiary.workers." + worker + ".enabled", "false");
        }
        return war;
    }

    private static String webXml(String body) {
        return "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<web-app xmlns=\"https://jakarta.ee/xml/ns/jakartaee\" "
                + "version=\"6.0\">" + body + "</web-app>\n";
    }

    /** Payara: the renamed roles are held by the users of the groups of the same name. */
    private static final String GLASSFISH_ROLES = "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n"
            + "<!DOCTYPE glassfish-web-app PUBLIC \"-//GlassFish.org//DTD GlassFish Application Server 3.1 Servlet "
            + "3.0//EN\" \"http://glassfish.org/dtds/glassfish-web-app_3_0-1.dtd\">\n<glassfish-web-app>"
            + "<security-role-mapping><role-name>ops-read</role-name><group-name>ops-read</group-name>"
            + "</security-role-mapping><security-role-mapping><role-name>ops-write</role-name>"
            + "<group-name>ops-write</group-name></security-role-mapping></glassfish-web-app>\n";

    private Answer call(String method, String path, String user) throws Exception {
        return call(server.app(), method, path, user);
    }

    private Answer call(URI app, String method, String path, String user) throws Exception {
        HttpRequest.Builder request = HttpRequest.newBuilder(app.resolve("apiary/api/" + path))
                .timeout(Duration.ofSeconds(15)).method(method, HttpRequest.BodyPublishers.noBody());
        if (user != null) {
            request.header("Authorization", "Basic " + Base64.getEncoder()
                    .encodeToString((user + ":" + user).getBytes(StandardCharsets.UTF_8)));
        }
        HttpResponse<String> response = http.send(request.build(), HttpResponse.BodyHandlers.ofString());
        return new Answer(response.statusCode(), response.body(),
                response.headers().firstValue("Content-Type").orElse(""));
    }

    private static void expectError(Answer answer, int status, String message) {
        assertThat(answer.status).as(answer.body).isEqualTo(status);
        assertThat(answer.contentType).startsWith("application/json");
        JsonObject error = answer.json().asJsonObject();
        assertThat(error.getInt("status")).isEqualTo(status);
        assertThat(error.getString("message")).contains(message);
        assertThat(answer.body).doesNotContain("\tat ", "\\tat ", "Exception");
    }

    private record Answer(int status, String body, String contentType) {
        JsonStructure json() {
            try (var reader = Json.createReader(new StringReader(body))) {
                return reader.read();
            }
        }
    }

}
