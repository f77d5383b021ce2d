package dev.apiary.examples.war.render;

import dev.apiary.Job;
import dev.apiary.JobHandler;
import dev.apiary.Outcome;
import dev.apiary.cdi.JobWorker;
import dev.apiary.cdi.Timeout;
import dev.apiary.cdi.Traced;
import jakarta.enterprise.context.ApplicationScoped;

import javax.naming.InitialContext;
import javax.naming.NamingException;
import java.util.logging.Logger;

/**
 * Renders a page: work with a deadline ({@code @Timeout}) that uses a container resource. The handler looks up the
 * application's default managed executor in {@code java:comp}, which only a thread carrying the application's
 * naming context can do: a job fails when its handler does not run on such a thread.
 */
@JobWorker(name = "page-renderer", concurrency = 4)
@Traced
@Timeout("4s")
@ApplicationScoped
public class PageRenderer implements JobHandler<RenderRequest> {

    private static final Logger LOG = Logger.getLogger(PageRenderer.class.getName());
    private static final String RESOURCE = "java:comp/DefaultManagedExecutorService";

    @Override
    public Outcome handle(Job<RenderRequest> job) throws InterruptedException, NamingException {
        Object resource = new InitialContext().lookup(RESOURCE);
        String thread = Thread.currentThread().getName();
        LOG.info(() -> "page " + job.id() + " '" + job.payload().page() + "': rendering on thread '" + thread
                + "', " + RESOURCE + " resolved to a " + resource.getClass().getSimpleName());
        Thread.sleep(job.payload().millis());
        return Outcome.done();
    }
}
