package dev.apiary.schedule;

/**
 * What a schedule does with fires it missed (the application was down, or every node was stuck): a fire is missed
 * when no node came to it within the schedule's misfire threshold after its time. Fires that are merely late (within
 * the threshold) are always enqueued, each once.
 */
public enum Misfire {

    /** One job for all the missed fires, under the latest of them (the default). */
    FIRE_ONCE,

    /** One job for each of the latest {@link Schedule#maxCatchUp()} missed fires; older ones are dropped. */
    CATCH_UP,

    /** No job for the missed fires; the schedule goes on with its next fire. */
    SKIP
}
