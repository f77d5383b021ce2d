package dev.apiary.examples.war.smoke;

import jakarta.json.Json;
import jakarta.json.JsonObject;

import java.io.StringReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Requests a client gets wrong are the client's errors, answered with JSON and their own status on every server,
 * never a 500 or the server's HTML error page: an {@code Authorization} header that is not valid HTTP Basic (401),
 * and a payload longer than its queue accepts (413, with the length and the limit).
 */
public final class MalformedRequestsSmoke {

    /** Headers seen to make a server's own Basic mechanism throw (Payara: not base64, no colon). */
    static final String[] MALFORMED = {"Basic !!!", "Basic %%%%", "Basic YWRtaW4=", "Basic ////",
            "Basic YWRtaW46YWRtaW4=x"};

    private static final HttpClient CLIENT = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();
    private static final Duration TIMEOUT = Duration.ofSeconds(30);

    private MalformedRequestsSmoke() {
    }

    /**
     * What WildFly and Payara log when their own code fails on such a header. Not Open Liberty's: it reads a refused
     * Basic header once more to audit the user and logs a {@code NullPointerException} for a malformed one, whatever
     * the application's mechanism does (its {@code WebProviderAuthenticatorProxy}); the caller has had the 401 by then.
     */
    private static final String[] SERVER_FAILURES = {"UT010019", "Response already commited", "UT005023",
            "base64 text invalid"};

    public static void assertOn(ServerProcess server) throws Exception {
        long logged = Files.size(server.log());
        aMalformedAuthorizationHeaderIsA401(server.app());
        aPayloadOverItsQueuesLimitIsA413(server.app());
        byte[] log = Files.readAllBytes(server.log());
        int from = (int) Math.min(logged, log.length);
        String since = new String(log, from, log.length - from, StandardCharsets.UTF_8);
        assertThat(since).as("the server's log while it answered malformed requests").doesNotContain(SERVER_FAILURES);
    }

    static void aMalformedAuthorizationHeaderIsA401(URI app) throws Exception {
        for (String header : MALFORMED) {
            for (URI uri : new URI[] {app.resolve("apiary/api/queues"), app.resolve("apiary/index.html")}) {
                HttpResponse<String> answer = CLIENT.send(HttpRequest.newBuilder(uri).timeout(TIMEOUT)
                        .header("Authorization", header).build(), HttpResponse.BodyHandlers.ofString());
                String what = "GET " + uri.getPath() + " with 'Authorization: " + header + "': " + answer.body();
                assertThat(answer.statusCode()).as(what).isEqualTo(401);
                assertThat(answer.headers().firstValue("Content-Type")).as(what).hasValueSatisfying(
                        type -> assertThat(type).startsWith("application/json"));
                assertThat(answer.headers().firstValue("WWW-Authenticate")).as(what).hasValueSatisfying(
                        challenge -> assertThat(challenge).startsWith("Basic"));
                JsonObject error = json(answer.body());
                assertThat(error.getInt("status")).as(what).isEqualTo(401);
                assertThat(error.getString("message")).as(what).contains("Authorization");
            }
        }
    }

    static void aPayloadOverItsQueuesLimitIsA413(URI app) throws Exception {
        String body = "{\"to\":\"someone@example.com\",\"subject\":\"big\",\"body\":\"" + "x".repeat(5 << 20) + "\"}";
        HttpResponse<String> answer = CLIENT.send(HttpRequest.newBuilder(app.resolve("api/queues/email/jobs"))
                .timeout(TIMEOUT).header("Content-Type", "application/json")
                .POST(HttpRequest.BodyPublishers.ofString(body)).build(), HttpResponse.BodyHandlers.ofString());
        assertThat(answer.statusCode()).as(answer.body()).isEqualTo(413);
        JsonObject error = json(answer.body());
        assertThat(error.getInt("status")).isEqualTo(413);
        assertThat(error.getString("queue")).isEqualTo("email");
        assertThat(error.getJsonNumber("length").longValue()).isGreaterThan(5 << 20);
        assertThat(error.getJsonNumber("limit").longValue()).isEqualTo(1_000_000);
        assertThat(error.getString("message")).contains("limit of 1000000", "nothing was stored");
    }

    private static JsonObject json(String body) {
        try (var reader = Json.createReader(new StringReader(body))) {
            return reader.readObject();
        } catch (RuntimeException e) {
            throw new AssertionError("not a JSON object: " + body, e);
        }
    }
}
