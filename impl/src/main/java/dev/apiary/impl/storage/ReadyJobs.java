package dev.apiary.impl.storage;

import java.util.Comparator;
import java.util.Map;
import java.util.TreeMap;

/**
 * The due jobs of an {@link InMemoryStorage}, highest priority first, then by {@link Lane#ORDER}: one {@link Lane}
 * per priority. Not thread-safe; guarded by the storage's lock.
 */
final class ReadyJobs<T> {
    private final TreeMap<Integer, Lane<T>> lanes = new TreeMap<>(Comparator.reverseOrder());
    private int size;

    void add(MemoryJob<T> e) {
        lanes.computeIfAbsent(e.priority, p -> new Lane<>()).add(e);
        size++;
    }

    /** The next job to claim, taken out; {@code null} when none is due. */
    MemoryJob<T> poll() {
        Map.Entry<Integer, Lane<T>> first = lanes.firstEntry();
        if (first == null) {
            return null;
        }
        MemoryJob<T> e = first.getValue().poll();
        if (first.getValue().isEmpty()) {
            lanes.remove(first.getKey());
        }
        size--;
        return e;
    }

    /** The next job to claim, left in place; {@code null} when none is due. */
    MemoryJob<T> peek() {
        Map.Entry<Integer, Lane<T>> first = lanes.firstEntry();
        return first == null ? null : first.getValue().peek();
    }

    /** Takes {@code e} out; false if it was not among the due jobs. */
    boolean remove(MemoryJob<T> e) {
        Lane<T> lane = lanes.get(e.priority);
        if (lane == null || !lane.remove(e)) {
            return false;
        }
        if (lane.isEmpty()) {
            lanes.remove(e.priority);
        }
        size--;
        return true;
    }

    boolean isEmpty() {
        return size == 0;
    }

    int size() {
        return size;
    }
}
