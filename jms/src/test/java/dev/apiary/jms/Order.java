package dev.apiary.jms;

/** A test payload. */
public record Order(String id, int amount) {
}
