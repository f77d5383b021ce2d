package dev.apiary.reliability;

/** The payload of each queue the worker nodes serve; one type per queue, so each storage is an unqualified bean. */
public final class Payloads {

    private Payloads() {
    }

    /** Queue {@code work}: job number {@code n}, which the handler works on for {@code millis}. */
    public record Work(int n, long millis) {
    }

    /** Queue {@code throwing}: its handler throws on every attempt. */
    public record Throwing(String note) {
    }

    /** Queue {@code hanging}: its handler sleeps far past its timeout. */
    public record Hanging(String note) {
    }

    /** Queue {@code erroring}: its handler throws an {@link Error}. */
    public record Erroring(String note) {
    }

    /** Queue {@code paced}: job number {@code n}, done at once; its starts are limited by a rate in the tests. */
    public record Paced(int n) {
    }

    /**
     * Queue {@code poisontext}: job {@code n}, done at once when {@code kind} is {@code null}; otherwise its handler
     * fails with text a database refuses or should not keep whole: {@code nul}, {@code surrogate} or {@code huge}.
     */
    public record PoisonText(int n, String kind) {
    }

    /** Queue {@code tick}: what the every-second schedule pushes; made by its public no-argument constructor. */
    public static final class Tick {
        public String note = "tick";
    }

    /**
     * Queue {@code step}: a step of a workflow, worked on for {@code millis}; its handler returns it as its result, so
     * the steps after it receive it as their payload.
     */
    public record Step(int n, long millis) {
    }

    /**
     * Queue {@code answer}: its handler returns {@link Answer} for {@code n}, or fails when {@code fail} is set.
     */
    public record Question(int n, boolean fail) {
    }

    /** What the {@code answer} handler returns: twice {@code n}, and the node that answered. */
    public record Answer(int doubled, String node) {
    }

    /** Queue {@code unserved}: no node has a worker for it. */
    public record Unserved(String note) {
    }
}
