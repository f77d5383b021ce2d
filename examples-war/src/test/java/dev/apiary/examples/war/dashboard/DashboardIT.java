package dev.apiary.examples.war.dashboard;

import com.microsoft.playwright.APIResponse;
import com.microsoft.playwright.Browser;
import com.microsoft.playwright.BrowserContext;
import com.microsoft.playwright.BrowserType;
import com.microsoft.playwright.Frame;
import com.microsoft.playwright.Locator;
import com.microsoft.playwright.Page;
import com.microsoft.playwright.Playwright;
import com.microsoft.playwright.Response;
import com.microsoft.playwright.Route;
import com.microsoft.playwright.assertions.LocatorAssertions;
import com.sun.net.httpserver.HttpServer;
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
import java.net.InetSocketAddress;
import java.net.URI;
import java.net.URLEncoder;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.function.UnaryOperator;

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
    private static final String[] WORKERS = {"mail-sender", "report-builder", "reminder-sender", "ledger-sync",
        "report-digest"};

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
            // the storage keeps 100,000 characters of an error, cut in the middle (StoredText)
            assertThat(detail.getString("lastErrorTrace")).contains(big.substring(0, 40_000)).contains("characters cut");
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
            playwright = Playwright.create(new Playwright.CreateOptions()
                    .setEnv(Map.of("PLAYWRIGHT_SKIP_BROWSER_DOWNLOAD", "1")));
            browser = playwright.chromium().launch(new BrowserType.LaunchOptions().setHeadless(true)
                    .setExecutablePath(chromium()));
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

            // the overview once the tests have run jobs of every kind: the picture in docs/guides/dashboard.md
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

        @Test
        @Order(8)
        void anAdminPausesAndResumesAQueueFromThePageAndAViewerMayNot() throws Exception {
            String row = "#queues tr[data-queue='reminder']";
            try {
                Page admin = open("admin", "#/", 1280, 800);
                admin.locator(row + " button[data-action='pause']").click();
                admin.locator("#confirm-ok").click();
                assertThat(admin.locator(row + " td[data-state='PAUSED']")).isVisible();
                assertThat(paused("reminder")).isTrue();
                screenshot(admin, "queue-paused");

                Page viewer = open("viewer", "#/", 1280, 800);
                assertThat(viewer.locator(row + " td[data-state='PAUSED']")).isVisible();
                assertThat(viewer.locator(row + " button")).hasCount(0);
                Answer refused = call("POST", "queues/reminder/resume", "viewer");
                assertThat(refused.status).as(refused.body).isEqualTo(403);
                assertThat(paused("reminder")).isTrue();

                admin.locator(row + " button[data-action='resume']").click();
                admin.locator("#confirm-ok").click();
                assertThat(admin.locator(row + " td[data-state='ACTIVE']")).isAttached();
                assertThat(paused("reminder")).isFalse();
            } finally {
                call("POST", "queues/reminder/resume", "admin");
            }
        }

        @Test
        @Order(9)
        void anAdminCancelsARunningJobFromItsPageAndAViewerMayNot() throws Exception {
            // given a report that runs for a minute, seen running with the node that runs it
            String id = enqueueReport("{\"name\":\"cancel-from-page\",\"seconds\":60}", 1);
            Page viewer = open("viewer", "#/job/report/" + id, 1280, 800);
            assertThat(viewer.locator("#job-status")).hasText("RUNNING");
            assertThat(viewer.locator("#attempt-node")).not().isEmpty();
            assertThat(viewer.locator("button[data-action='cancel']")).hasCount(0);
            Answer refused = call("POST", "queues/report/jobs/" + id + "/cancel", "viewer");
            assertThat(refused.status).as(refused.body).isEqualTo(403);

            // when an admin cancels it from the job's page
            Page admin = open("admin", "#/job/report/" + id, 1280, 800);
            assertThat(admin.locator("#job-status")).hasText("RUNNING");
            admin.locator("button[data-action='cancel']").click();
            assertThat(admin.locator("#confirm")).containsText("interrupted");
            admin.locator("#confirm-ok").click();

            // then the handler is interrupted and the job ends cancelled, by the admin, long before its minute
            assertThat(admin.locator("#job-status")).hasText("CANCELLED",
                    new LocatorAssertions.HasTextOptions().setTimeout(JOB_TIMEOUT.toMillis()));
            JsonObject cancelled = job(id, "admin");
            assertThat(cancelled.getString("status")).isEqualTo("CANCELLED");
            assertThat(cancelled.getString("cancelledBy")).contains("admin");
            assertThat(admin.locator("main")).containsText("Cancelled by");
            screenshot(admin, "job-cancelled");
        }

        @Test
        @Order(10)
        void aBatchShowsEachJobsStateUntilItsCallbackHasRun() throws Exception {
            // given a batch of three reports started through the example's API, with its digest as the callback
            HttpResponse<String> started = http.send(HttpRequest.newBuilder(server.app().resolve("api/reports/batch"))
                    .header("Content-Type", "application/json").header("X-Requested-By", "apiary-test")
                    .timeout(Duration.ofSeconds(15)).POST(HttpRequest.BodyPublishers.ofString(
                            "{\"names\":[\"north\",\"south\",\"west\"],\"seconds\":2}")).build(),
                    HttpResponse.BodyHandlers.ofString());
            assertThat(started.statusCode()).as(started.body()).isEqualTo(201);
            String id = new Answer(started.statusCode(), started.body(), "").json().asJsonObject().getString("id");

            // when a viewer opens it, the page lists the reports and the digest, which waits for them
            Page viewer = open("viewer", "#/flow/" + id, 1280, 800);
            assertThat(viewer.locator("#flow-steps tbody tr")).hasCount(4);
            JsonObject flow = call("GET", "flows/" + id, "viewer").json().asJsonObject();
            assertThat(flow.getString("kind")).isEqualTo("BATCH");
            String digestJob = flow.getJsonArray("steps").stream().map(v -> v.asJsonObject())
                    .filter(s -> s.getString("queue").equals("report-digest")).findFirst().orElseThrow()
                    .getString("jobId");

            // then every step ends done, the digest last, and the page says the batch has finished
            assertThat(viewer.locator("#flow-state")).hasText("finished",
                    new LocatorAssertions.HasTextOptions().setTimeout(JOB_TIMEOUT.toMillis()));
            assertThat(viewer.locator("#flow-steps tbody tr[data-status='DONE']")).hasCount(4);
            JsonObject digest = call("GET", "queues/report-digest/jobs/" + digestJob, "admin").json()
                    .asJsonObject();
            assertThat(digest.getString("status")).isEqualTo("DONE");
            assertThat(digest.toString()).contains("3 of 3 reports built");
            screenshot(viewer, "batch");

            // and a step's job links back to its batch
            viewer.locator("#flow-steps tbody tr[data-step] a").first().click();
            assertThat(viewer.locator("#flow-link")).hasText(id);
            viewer.locator("#flow-link").click();
            assertThat(viewer.locator("#flow-steps")).isVisible();
        }

        private boolean paused(String queue) throws Exception {
            return call("GET", "queues", "admin").json().asJsonArray().stream().map(v -> v.asJsonObject())
                    .filter(q -> q.getString("name").equals(queue)).findFirst().orElseThrow().getBoolean("paused");
        }
    }

    // ---- attacks from another origin, while an admin is logged in

    /**
     * A page of another origin (served by a small HTTP server in this JVM, on {@code 127.0.0.1} and another port)
     * opened in the browser of an admin who is logged in to the dashboard with HTTP Basic, which the browser resends
     * to the server by itself: every admin action, forged as a plain form POST, a hidden iframe POST and a
     * {@code fetch} with credentials, is refused and changes nothing; the dashboard framed by that page does not
     * render. And markup in the data the page shows stays text.
     */
    @Nested
    @TestInstance(TestInstance.Lifecycle.PER_CLASS)
    class FromAnotherOrigin {

        private static final String MARKUP = "<img src=x onerror=alert('xss-img')><svg onload=alert('xss-svg')>"
                + "<script>alert('xss-script')</script>";

        private Playwright playwright;
        private Browser browser;
        private HttpServer attacker;
        private final Map<String, String> pages = new ConcurrentHashMap<>();

        @BeforeAll
        void launch() throws Exception {
            playwright = Playwright.create(new Playwright.CreateOptions()
                    .setEnv(Map.of("PLAYWRIGHT_SKIP_BROWSER_DOWNLOAD", "1")));
            browser = playwright.chromium().launch(new BrowserType.LaunchOptions().setHeadless(true)
                    .setExecutablePath(chromium()));
            attacker = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 0);
            attacker.createContext("/", exchange -> {
                String html = pages.getOrDefault(exchange.getRequestURI().getPath(), "<p>nothing here</p>");
                byte[] body = html.getBytes(StandardCharsets.UTF_8);
                exchange.getResponseHeaders().set("Content-Type", "text/html; charset=utf-8");
                exchange.sendResponseHeaders(200, body.length);
                exchange.getResponseBody().write(body);
                exchange.close();
            });
            attacker.start();
        }

        @AfterAll
        void close() {
            if (attacker != null) {
                attacker.stop(0);
            }
            if (playwright != null) {
                playwright.close();
            }
        }

        /** The attacker's page at {@code path}, on the attacker's origin. */
        private String page(String path, String html) {
            pages.put(path, "<!doctype html><html><body>" + html + "</body></html>");
            return "http://127.0.0.1:" + attacker.getAddress().getPort() + path;
        }

        /** A browser in which the admin has opened the dashboard: it holds and resends the admin's credentials. */
        private Page loggedInAdmin(List<String> dialogs) {
            BrowserContext context = browser.newContext(new Browser.NewContextOptions()
                    .setHttpCredentials("admin", "admin").setViewportSize(1280, 800));
            Page page = context.newPage();
            page.setDefaultTimeout(JOB_TIMEOUT.toMillis());
            page.onDialog(dialog -> {
                dialogs.add(dialog.message());
                dialog.dismiss();
            });
            page.navigate(server.app().resolve("apiary/index.html#/").toString());
            assertThat(page.locator("#user")).containsText("admin");
            return page;
        }

        @Test
        void forgedActionsAreRefusedAndChangeNothing() throws Exception {
            // given: a failed job, a pending one (due in an hour), the schedule active, an admin's browser
            String failed = failedReport("forgery-target");
            String pending = enqueueReport("{\"name\":\"forgery-pending\"}", 1, "delaySeconds=3600");
            Map<String, Object> before = state(failed, pending);
            assertThat(before).containsEntry("failed job", "FAILED").containsEntry("pending job", "PENDING")
                    .containsEntry("schedule paused", false);
            List<String> dialogs = new CopyOnWriteArrayList<>();
            Page page = loggedInAdmin(dialogs);
            List<String> reached = new CopyOnWriteArrayList<>();
            page.onResponse(r -> {
                // what reached the server as an action (not the preflights, which carry no credentials and no body)
                if (List.of("POST", "PUT", "DELETE").contains(r.request().method())
                        && r.url().contains("/apiary-example/")) {
                    reached.add(r.request().method() + " " + r.url() + " -> " + r.status());
                }
            });

            String api = server.app().resolve("apiary/api/").toString();
            String[][] actions = {
                {"POST", api + "queues/report/jobs/" + failed + "/retry"},
                {"POST", api + "queues/report/jobs/" + pending + "/kill?reason=forged"},
                {"DELETE", api + "queues/report/jobs/" + failed},
                {"POST", api + "queues/report/jobs/retry?status=FAILED"},
                {"POST", api + "queues/report/jobs/kill?status=PENDING"},
                {"DELETE", api + "queues/report/jobs?status=FAILED"},
                {"POST", api + "schedules/nightly-report/pause"},
                {"POST", api + "schedules/nightly-report/resume"},
                {"POST", api + "schedules/nightly-report/trigger"},
            };
            List<String> report = new ArrayList<>();
            int n = 0;
            for (String[] action : actions) {
                if (!action[0].equals("POST")) {
                    continue; // an HTML form sends only GET and POST
                }
                // a plain form, the page navigating to the answer
                String form = page("/form-" + n, "<form method=post action=\"" + action[1] + "\"></form>"
                        + "<script>document.forms[0].submit()</script>");
                Response answer = page.waitForResponse(r -> r.url().equals(action[1]), () -> page.navigate(form));
                assertThat(answer.status()).as("form POST " + action[1] + ": " + answer.text()).isEqualTo(403);
                assertThat(answer.text()).contains("refused", "another origin");
                report.add("form POST " + action[1] + " -> " + answer.status() + " " + answer.text());
                // a form posted into a hidden iframe, the page staying where it is
                String hidden = page("/iframe-" + n, "<iframe name=sink hidden></iframe><form target=sink method=post "
                        + "enctype=text/plain action=\"" + action[1] + "\"><input name='{\"a\":\"' value='\"}'>"
                        + "</form><script>document.forms[0].submit()</script>");
                Response framed = page.waitForResponse(r -> r.url().equals(action[1]), () -> page.navigate(hidden));
                assertThat(framed.status()).as("iframe POST " + action[1]).isEqualTo(403);
                report.add("hidden iframe POST " + action[1] + " -> " + framed.status());
                n++;
            }

            // fetch with the admin's credentials: with the header (a preflight, never granted) and without (no-cors)
            StringBuilder script = new StringBuilder("window.results = []; (async () => {");
            for (String[] action : actions) {
                String target = Json.createValue(action[1]).toString();
                script.append("for (const opts of [{headers: {'X-Requested-By': 'forged'}}, {mode: 'no-cors'}]) {")
                        .append("const label = '").append(action[0]).append(" ' + ").append(target)
                        .append(" + (opts.mode ? ' no-cors' : ' with header');")
                        .append("try { const r = await fetch(").append(target).append(", Object.assign({method: '")
                        .append(action[0]).append("', credentials: 'include'}, opts));")
                        .append("results.push(label + ' -> ' + r.type + ' ' + r.status); }")
                        .append("catch (e) { results.push(label + ' -> ' + e); } }");
            }
            script.append("window.done = true; })();");
            page.navigate(page("/fetch", "<script>" + script + "</script>"));
            page.waitForFunction("() => window.done === true");
            @SuppressWarnings("unchecked")
            List<String> fetched = (List<String>) page.evaluate("() => window.results");
            report.addAll(fetched);
            for (String result : fetched) {
                // a preflight failed (TypeError), no-cors refused to send a DELETE (TypeError), or the server's answer
                // stayed unreadable (an opaque response)
                assertThat(result).as(result).containsAnyOf("TypeError", "opaque 0");
            }

            // then: every forged request that reached the server was refused, and nothing changed
            report.forEach(line -> System.out.println("forgery: " + line));
            assertThat(reached).isNotEmpty().allSatisfy(line -> assertThat(line).endsWith("-> 403"));
            assertThat(state(failed, pending)).isEqualTo(before);
            assertThat(dialogs).isEmpty();

            // the same browser acting from the dashboard's own page, with the header: the credentials were there
            page.navigate(server.app().resolve("apiary/index.html#/").toString());
            assertThat(page.locator("#user")).containsText("admin");
            Object status = page.evaluate("async (path) => (await fetch(path, {method: 'POST', headers: "
                    + "{'X-Requested-By': 'apiary-dashboard'}})).status",
                    "api/queues/report/jobs/" + failed + "/retry");
            assertThat(status).isEqualTo(200);
        }

        @Test
        void theDashboardInAFrameOfAnotherOriginDoesNotRender() {
            List<String> dialogs = new CopyOnWriteArrayList<>();
            Page page = loggedInAdmin(dialogs);
            List<String> console = new CopyOnWriteArrayList<>();
            page.onConsoleMessage(m -> console.add(m.text()));
            List<String> sessions = new CopyOnWriteArrayList<>();
            page.onRequest(r -> {
                if (r.url().endsWith("/apiary/api/session")) {
                    sessions.add(r.url());
                }
            });
            String dashboard = server.app().resolve("apiary/index.html#/").toString();
            page.navigate(page("/frame", "<iframe id=f width=800 height=600 src=\"" + dashboard + "\"></iframe>"
                    + "<script>document.getElementById('f').onload = () => window.done = true</script>"));
            page.waitForFunction("() => window.done === true");
            Frame framed = page.frames().stream().filter(f -> f != page.mainFrame()).findFirst().orElseThrow();
            assertThat(framed.locator("#nav").count()).as("the dashboard's navigation in the frame (" + framed.url()
                    + ")").isZero();
            assertThat(sessions).as("the page's script did not run").isEmpty();
            assertThat(console).anyMatch(m -> m.contains("frame-ancestors"));
            screenshot(page, "framed-by-another-origin");
        }

        @Test
        void markupInTheDataStaysText() throws Exception {
            // real data: the payload and the error of a failed report carry markup
            String id = failedReport(MARKUP);
            List<String> dialogs = new CopyOnWriteArrayList<>();
            Page page = loggedInAdmin(dialogs);
            // names the example cannot produce: the server's real answers with markup put in them by the browser
            // (queue, schedule and worker names come from the application's code, metadata from its enqueue calls)
            String markup = Json.createValue(MARKUP).toString();
            rewrite(page, "**/apiary/api/queues", body -> body.replace("\"reminder\"", markup));
            rewrite(page, "**/apiary/api/schedules", body -> body.replace("\"nightly-report\"", markup));
            rewrite(page, "**/apiary/api/workers", body -> body.replace("\"report-builder\"", markup));
            rewrite(page, "**/apiary/api/queues/report/jobs/" + id,
                    body -> body.replace("\"metadata\":{", "\"metadata\":{" + markup + ":" + markup + ","));

            String base = server.app().resolve("apiary/index.html").toString();
            page.navigate(base + "#/job/report/" + id);
            assertThat(page.locator("#payload")).containsText(MARKUP);
            assertThat(page.locator("#error")).containsText(MARKUP);
            assertThat(page.locator("#view dl")).containsText(MARKUP + "=" + MARKUP);
            expectNoMarkup(page, dialogs, "job page");
            screenshot(page, "markup-job");

            page.navigate(base + "#/queue/report?status=FAILED");
            assertThat(page.locator("#jobs tr[data-job='" + id + "']")).containsText(MARKUP);
            expectNoMarkup(page, dialogs, "queue page");

            page.navigate(base + "#/");
            assertThat(page.locator("#queues")).containsText(MARKUP);
            expectNoMarkup(page, dialogs, "overview");

            page.navigate(base + "#/schedules");
            assertThat(page.locator("#schedules")).containsText(MARKUP);
            expectNoMarkup(page, dialogs, "schedules");

            page.navigate(base + "#/workers");
            assertThat(page.locator("#workers")).containsText(MARKUP);
            expectNoMarkup(page, dialogs, "workers");

            // a link an attacker sends: markup as a queue name and as a job id, shown in headings and errors
            // (no '/' in it: servers refuse an encoded slash in a path before the API sees it)
            String link = "<img src=x onerror=alert('xss-link')>";
            String encoded = URLEncoder.encode(link, StandardCharsets.UTF_8).replace("+", "%20");
            page.navigate(base + "#/queue/" + encoded);
            assertThat(page.locator("#view .error")).containsText("no queue '" + link + "'");
            expectNoMarkup(page, dialogs, "unknown queue");
            page.navigate(base + "#/job/report/" + encoded);
            assertThat(page.locator("#view .error")).containsText("no job '" + link + "'");
            expectNoMarkup(page, dialogs, "unknown job");
        }

        /** The server's real answers to {@code glob}, changed by {@code change} before the page gets them. */
        private void rewrite(Page page, String glob, UnaryOperator<String> change) {
            page.route(glob, route -> {
                APIResponse real = route.fetch();
                route.fulfill(new Route.FulfillOptions().setResponse(real).setBody(change.apply(real.text())));
            });
        }

        private void expectNoMarkup(Page page, List<String> dialogs, String where) {
            assertThat(page.locator("#view img[src='x'], #view svg[onload], #view script, [onerror], [onload]")
                    .count()).as("elements made from data on the " + where).isZero();
            assertThat(dialogs).as("dialogs opened by data on the " + where).isEmpty();
        }

        /** What a forged action would change: two jobs, the report queue's ended jobs, the schedule. */
        private Map<String, Object> state(String failed, String pending) throws Exception {
            Map<String, Object> state = new java.util.LinkedHashMap<>();
            JsonObject f = job(failed, "admin");
            state.put("failed job", f.getString("status"));
            state.put("failed job attempts", f.getInt("attempts"));
            state.put("pending job", job(pending, "admin").getString("status"));
            JsonObject counts = counts("report");
            state.put("report FAILED", counts.getJsonNumber("FAILED").longValue());
            state.put("report KILLED", counts.containsKey("KILLED") ? counts.getJsonNumber("KILLED").longValue() : 0);
            Answer schedule = call("GET", "schedules/nightly-report", "admin");
            state.put("schedule paused", schedule.json().asJsonObject().getBoolean("paused"));
            Answer manual = call("GET", "queues/report/jobs?search=apiary.trigger%3Dmanual&limit=200", "admin");
            state.put("manual triggers", manual.json().asJsonObject().getJsonArray("items").size());
            return state;
        }

        private JsonObject counts(String queue) throws Exception {
            return call("GET", "queues", "admin").json().asJsonArray().stream().map(v -> v.asJsonObject())
                    .filter(q -> q.getString("name").equals(queue)).findFirst().orElseThrow().getJsonObject("counts");
        }
    }

    // ---- helpers

    private static Path chromium() {
        Path chromium = Path.of(System.getProperty("dashboard.chromium", "/usr/bin/chromium"));
        if (!java.nio.file.Files.isExecutable(chromium)) {
            throw new AssertionError("The dashboard's browser tests need Chromium at " + chromium + ": install it "
                    + "with 'apt-get install -y --no-install-recommends chromium' (.ci/run does), or set "
                    + "-Ddashboard.chromium=<path>");
        }
        return chromium;
    }

    private static void screenshot(Page page, String name) {
        page.screenshot(new Page.ScreenshotOptions().setPath(SCREENSHOTS.resolve(name + ".png")).setFullPage(true));
    }

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
        return enqueueReport(body, maxAttempts, "");
    }

    private String enqueueReport(String body, int maxAttempts, String query) throws Exception {
        return enqueue("report", "maxAttempts=" + maxAttempts + (query.isEmpty() ? "" : "&" + query), body);
    }

    /** Enqueues through the example's own API (not the dashboard's, which only reads and acts). */
    private String enqueue(String queue, String query, String body) throws Exception {
        HttpResponse<String> answer = http.send(HttpRequest.newBuilder(
                        server.app().resolve("api/queues/" + queue + "/jobs?" + query))
                .header("Content-Type", "application/json").header("X-Requested-By", "apiary-test")
                .timeout(Duration.ofSeconds(15))
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
        if (!method.equals("GET")) {
            request.header("X-Requested-By", "apiary-test");
        }
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
