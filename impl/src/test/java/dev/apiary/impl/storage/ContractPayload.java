package dev.apiary.impl.storage;

/** The payload of the storage contract tests: a public record that JSON-B can bind. */
public record ContractPayload(String name, int n) {
}
