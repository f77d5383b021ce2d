package dev.apiary.impl.cdi;

/** The payload of the CDI tests: a public record that JSON-B can bind. */
public record Email(String to) {
}
