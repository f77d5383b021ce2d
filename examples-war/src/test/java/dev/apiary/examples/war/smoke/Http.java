package dev.apiary.examples.war.smoke;

import jakarta.json.Json;
import jakarta.json.JsonException;
import jakarta.json.JsonObject;
import jakarta.json.JsonReader;
import jakarta.json.JsonStructure;

import java.io.IOException;
import java.io.StringReader;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;

/** A small JSON-over-HTTP client for the smoke tests; every call has a timeout. */
final class Http {

    /** An answer: its status, raw body and the body as JSON when it is JSON. */
    record Answer(int status, String body, String contentType) {

        JsonStructure json() {
            try (JsonReader reader = Json.createReader(new StringReader(body))) {
                return reader.read();
            } catch (JsonException e) {
                throw new AssertionError("not JSON (status " + status + "): " + body, e);
            }
        }

        JsonObject object() {
            return json().asJsonObject();
        }
    }

    private static final Duration TIMEOUT = Duration.ofSeconds(15);

    private final HttpClient client = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();
    private final String authorization;

    Http() {
        this(null);
    }

    /** A client that logs in as {@code user:password} (HTTP Basic) on every call, for the dashboard's API. */
    Http(String credentials) {
        authorization = credentials == null ? null : "Basic " + java.util.Base64.getEncoder()
                .encodeToString(credentials.getBytes(java.nio.charset.StandardCharsets.UTF_8));
    }

    Answer get(URI uri) throws IOException, InterruptedException {
        return send(HttpRequest.newBuilder(uri).timeout(TIMEOUT).GET().build());
    }

    Answer post(URI uri, String json) throws IOException, InterruptedException {
        // the header the dashboard's API asks of every action (a forged one cannot have it); the example's ignores it
        return send(HttpRequest.newBuilder(uri).timeout(TIMEOUT).header("Content-Type", "application/json")
                .header("X-Requested-By", "apiary-smoke").POST(HttpRequest.BodyPublishers.ofString(json)).build());
    }

    private Answer send(HttpRequest request) throws IOException, InterruptedException {
        if (authorization != null) {
            request = HttpRequest.newBuilder(request, (name, value) -> true)
                    .header("Authorization", authorization).build();
        }
        HttpResponse<String> response = client.send(request, HttpResponse.BodyHandlers.ofString());
        return new Answer(response.statusCode(), response.body(),
                response.headers().firstValue("Content-Type").orElse(""));
    }
}
