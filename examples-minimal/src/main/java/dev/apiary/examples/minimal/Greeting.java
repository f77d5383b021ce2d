package dev.apiary.examples.minimal;

/** The payload of a job: whom to greet. */
public record Greeting(String name) {
}
