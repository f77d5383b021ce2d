package dev.apiary.worker;

/**
 * Receives worker events. Called on worker threads: keep it quick and thread-safe; an exception thrown here is
 * logged and otherwise ignored.
 */
@FunctionalInterface
public interface WorkerListener {

    void onEvent(WorkerEvent event);
}
