package dev.apiary.examples.minimal;

import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/** Boots the minimal WAR, enqueues three greetings over REST and waits until the worker has run each. */
final class MinimalScenario {

    private MinimalScenario() {
    }

    static void run(MinimalServer server) throws Exception {
        try (server) {
            server.start();
            awaitAnswer(server, "api/greetings");
            for (String name : List.of("ada", "grace", "barbara")) {
                HttpResponse<String> pushed = server.send("POST", "api/greetings/" + name);
                assertThat(pushed.statusCode()).as("push %s: %s\n%s", name, pushed.body(), tail(server))
                        .isEqualTo(200);
                assertThat(pushed.body()).as("job id").hasSize(36);
            }
            await("every greeting ran").atMost(Duration.ofSeconds(60)).pollInterval(Duration.ofMillis(200))
                    .untilAsserted(() -> assertThat(server.send("GET", "api/greetings").body().lines())
                            .as("log:\n%s", tail(server))
                            .containsExactlyInAnyOrder("ada", "grace", "barbara"));
        }
    }

    /** Waits until the started server answers 200 on {@code path}, failing early if it died or its deployment failed. */
    static void awaitAnswer(MinimalServer server, String path) {
        await("the application answers").atMost(Duration.ofMinutes(3)).pollInterval(Duration.ofMillis(500))
                .until(() -> {
                    assertThat(server.isAlive()).as("server process is alive; log:\n%s", tail(server)).isTrue();
                    assertThat(server.logText()).as("deployment log").doesNotContain("WFLYCTL0013", "WFLYSRV0021",
                            "CWWKZ0002E", "CWWKZ0004E", "Exception while loading the app");
                    try {
                        return server.send("GET", path).statusCode() == 200;
                    } catch (java.io.IOException e) {
                        return false;
                    }
                });
    }

    static String tail(MinimalServer server) {
        try {
            List<String> lines = server.logText().lines().toList();
            return String.join("\n", lines.subList(Math.max(0, lines.size() - 60), lines.size()));
        } catch (Exception e) {
            return "(no log: " + e + ")";
        }
    }
}
