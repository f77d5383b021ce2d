package dev.apiary.examples.quarkus;

/** The payload of a job: whom to greet. */
public record Greeting(String name) {
}
