package dev.apiary.examples.quarkus;

import dev.apiary.Job;
import dev.apiary.JobHandler;
import dev.apiary.Outcome;
import dev.apiary.cdi.JobWorker;
import dev.apiary.cdi.Recurring;
import dev.apiary.cdi.Retry;

import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.logging.Logger;

/**
 * The worker, as on the other runtimes: Apiary's CDI integration finds it by its annotation and runs the jobs the
 * storage {@link GreetingStorage} produces keeps. A greeting whose name starts with {@code slow-} takes the number of
 * milliseconds that follows; the schedule greets the team every minute.
 */
@JobWorker
@Retry(maxAttempts = 3, initialDelay = "PT1S")
@Recurring(name = "team-greeting", cron = "0 * * * * *")
public class GreetingWorker implements JobHandler<Greeting> {

    /** Who was greeted, for the REST resource to show. */
    static final List<String> GREETED = new CopyOnWriteArrayList<>();

    @Override
    public Outcome handle(Job<Greeting> job) throws InterruptedException {
        String name = job.payload().name();
        Logger log = Logger.getLogger(GreetingWorker.class.getName());
        if (name.startsWith("slow-")) {
            log.info("Greeting " + name + " slowly (job " + job.context().id() + ")");
            Thread.sleep(Long.parseLong(name.substring("slow-".length())));
        }
        log.info("Hello, " + name + " (job " + job.context().id() + ")");
        GREETED.add(name);
        return Outcome.done();
    }
}
