package dev.apiary.reliability;

import dev.apiary.Outcome;
import dev.apiary.jms.JmsQueue;
import dev.apiary.worker.Monitor;
import dev.apiary.worker.WorkerBuilder;
import org.apache.activemq.artemis.jms.client.ActiveMQConnectionFactory;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.time.Duration;

/**
 * A consumer process for {@link JmsConsumerCrashTest}: one Apiary worker on a JMS queue of a broker reached over TCP,
 * appending {@code <message id>} to its run file as each run ends (written through at once, so a SIGKILL loses no
 * line). Arguments: broker URL, queue, run file, concurrency, job duration in milliseconds.
 */
public final class JmsConsumerNode {

    private JmsConsumerNode() {
    }

    public static void main(String[] args) throws Exception {
        String url = args[0];
        String queueName = args[1];
        Path runs = Path.of(args[2]);
        int concurrency = Integer.parseInt(args[3]);
        long millis = Long.parseLong(args[4]);
        ActiveMQConnectionFactory factory = new ActiveMQConnectionFactory(url);
        JmsQueue<Payloads.Work> queue = JmsQueue.builder(factory, queueName, Payloads.Work.class)
                .receiveTimeout(Duration.ofSeconds(1)).build();
        FileChannel out = FileChannel.open(runs, StandardOpenOption.CREATE, StandardOpenOption.WRITE,
                StandardOpenOption.APPEND);
        Monitor monitor = Monitor.create().gracePeriod(Duration.ofSeconds(5));
        monitor.register(WorkerBuilder.named("jms-" + runs.getFileName()).source(queue.asSource())
                .concurrency(concurrency).handler(job -> {
                    Thread.sleep(millis);
                    write(out, job.id() + "\n");
                    return Outcome.done();
                }));
        monitor.start();
        System.out.println("NODE " + runs.getFileName() + " CONSUMING");
        Thread.currentThread().join();
    }

    private static synchronized void write(FileChannel out, String line) {
        try {
            out.write(ByteBuffer.wrap(line.getBytes(StandardCharsets.UTF_8)));
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
