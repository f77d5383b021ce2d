package dev.apiary.schedule;

/**
 * What a schedule does with fires it missed (the application was down, or every node was paused or overloaded):
 * fires are missed when the oldest one not yet enqueued is more than the schedule's misfire threshold in the past.
 * Fires that are merely late (within the threshold) are always enqueued, each once.
 */
public enum Misfire {

    /** One job for all the missed fires, under the latest of them (the default). */
    FIRE_ONCE,

    /** One job for each of the latest {@link Schedule#maxCatchUp()} missed fires; older ones are dropped. */
    CATCH_UP,

    /** No job for the missed fires; the schedule goes on with its next fire. */
    SKIP
}
