package dev.apiary.examples.helidon;

/** The payload of a job: whom to greet. */
public record Greeting(String name) {
}
