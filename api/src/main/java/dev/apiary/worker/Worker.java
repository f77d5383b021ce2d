package dev.apiary.worker;

/** A built worker: a source, layers and a handler, ready to be registered with a {@link Monitor}. */
public interface Worker {

    /** The worker's name, unique within a monitor; instances are named {@code name-0}, {@code name-1}, ... */
    String name();

    /** How many jobs one instance runs at once. */
    int concurrency();
}
