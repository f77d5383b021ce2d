package dev.apiary.examples.minimal;

import dev.apiary.Job;
import dev.apiary.JobHandler;
import dev.apiary.Outcome;
import dev.apiary.cdi.JobWorker;

import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.logging.Logger;

/**
 * The worker: Apiary finds it by its annotation and gives it the default JPA storage of queue "greetingWorker",
 * since the application produces none.
 */
@JobWorker
public class GreetingWorker implements JobHandler<Greeting> {

    /** Who was greeted, for the REST resource to show. */
    static final List<String> GREETED = new CopyOnWriteArrayList<>();

    @Override
    public Outcome handle(Job<Greeting> job) {
        Logger.getLogger(GreetingWorker.class.getName()).info("Hello, " + job.payload().name() + " (job "
                + job.context().id() + ")");
        GREETED.add(job.payload().name());
        return Outcome.done();
    }
}
