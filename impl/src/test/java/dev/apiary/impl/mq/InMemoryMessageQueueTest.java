package dev.apiary.impl.mq;

import dev.apiary.impl.storage.ContractPayload;
import dev.apiary.spi.MessageQueue;

import java.time.Clock;
import java.util.List;

/** The message-queue contract on the in-memory queue, on manual time. */
class InMemoryMessageQueueTest extends MessageQueueContract {

    private InMemoryMessageQueue<ContractPayload> memory;

    @Override
    protected Timeline newTimeline() {
        return new ManualTimeline();
    }

    @Override
    protected MessageQueue<ContractPayload> newQueue(String name, Clock clock) {
        memory = new InMemoryMessageQueue<>(name, clock);
        return memory;
    }

    @Override
    protected List<DeadLetter> deadLetters() {
        return memory.deadLetters().stream().map(d -> new DeadLetter(d.payload(), d.reason(), d.attempts())).toList();
    }
}
