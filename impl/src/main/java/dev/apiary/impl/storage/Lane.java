package dev.apiary.impl.storage;

import java.util.ArrayDeque;
import java.util.Comparator;
import java.util.PriorityQueue;

/**
 * The due jobs of one priority, in {@link #ORDER}. Jobs almost always arrive in that order (pushed now, or due in
 * run-at order), so the lane is a FIFO with O(1) claims; the rare job that arrives out of order (pushed with a past
 * run-at) goes to a small heap beside it, and a claim takes the smaller head. Not thread-safe; guarded by the
 * storage's lock.
 */
final class Lane<T> {
    /** Order among due jobs of one priority: earlier run-at, then first pushed. */
    static final Comparator<MemoryJob<?>> ORDER = (a, b) -> {
        int byTime = a.runAt.compareTo(b.runAt);
        return byTime != 0 ? byTime : Long.compare(a.seq, b.seq);
    };

    private final ArrayDeque<MemoryJob<T>> inOrder = new ArrayDeque<>();
    private final PriorityQueue<MemoryJob<T>> outOfOrder = new PriorityQueue<>(ORDER);

    void add(MemoryJob<T> e) {
        MemoryJob<T> last = inOrder.peekLast();
        if (last == null || ORDER.compare(last, e) <= 0) {
            inOrder.addLast(e);
        } else {
            outOfOrder.add(e);
        }
    }

    MemoryJob<T> poll() {
        MemoryJob<T> a = inOrder.peekFirst();
        MemoryJob<T> b = outOfOrder.peek();
        if (b == null || (a != null && ORDER.compare(a, b) <= 0)) {
            return inOrder.pollFirst();
        }
        return outOfOrder.poll();
    }

    MemoryJob<T> peek() {
        MemoryJob<T> a = inOrder.peekFirst();
        MemoryJob<T> b = outOfOrder.peek();
        return b == null || (a != null && ORDER.compare(a, b) <= 0) ? a : b;
    }

    boolean remove(MemoryJob<T> e) {
        return inOrder.remove(e) || outOfOrder.remove(e);
    }

    boolean isEmpty() {
        return inOrder.isEmpty() && outOfOrder.isEmpty();
    }
}
