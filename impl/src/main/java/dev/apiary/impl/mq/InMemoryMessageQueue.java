package dev.apiary.impl.mq;

import dev.apiary.spi.JobIds;
import dev.apiary.spi.MessageQueue;

import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * A thread-safe in-memory {@link MessageQueue}: delivered messages stay invisible until acked (gone) or nacked
 * (delivered again, at the back of the queue). For tests of message-driven workers.
 */
public final class InMemoryMessageQueue<T> implements MessageQueue<T> {

    private final String name;
    private final ArrayDeque<Entry<T>> ready = new ArrayDeque<>();
    private final Map<String, Entry<T>> inFlight = new HashMap<>();

    public InMemoryMessageQueue(String name) {
        this.name = name;
    }

    @Override
    public String queue() {
        return name;
    }

    @Override
    public synchronized void enqueue(T message) {
        ready.addLast(new Entry<>(JobIds.next(), message));
    }

    @Override
    public synchronized List<Message<T>> dequeue(int max) {
        List<Message<T>> delivered = new ArrayList<>();
        while (delivered.size() < max && !ready.isEmpty()) {
            Entry<T> e = ready.pollFirst();
            e.deliveries++;
            inFlight.put(e.id, e);
            delivered.add(new Message<>(e.id, e.payload, e.deliveries));
        }
        return delivered;
    }

    @Override
    public synchronized void ack(String messageId) {
        inFlight.remove(messageId);
    }

    @Override
    public synchronized void nack(String messageId) {
        Entry<T> e = inFlight.remove(messageId);
        if (e != null) {
            ready.addLast(e);
        }
    }

    /** Messages waiting for delivery plus those delivered and not yet acked. */
    public synchronized int size() {
        return ready.size() + inFlight.size();
    }

    private static final class Entry<T> {
        final String id;
        final T payload;
        int deliveries;

        Entry(String id, T payload) {
            this.id = id;
            this.payload = payload;
        }
    }
}
