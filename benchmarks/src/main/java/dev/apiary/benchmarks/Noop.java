package dev.apiary.benchmarks;

/** The benchmark payload: a number and, for latency runs, the {@code System.nanoTime()} of its push. */
public record Noop(int n, long pushedAt) {
}
