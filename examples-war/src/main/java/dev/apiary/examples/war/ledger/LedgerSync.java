package dev.apiary.examples.war.ledger;

import dev.apiary.AbortJobException;
import dev.apiary.Job;
import dev.apiary.JobHandler;
import dev.apiary.Outcome;
import dev.apiary.cdi.JobWorker;
import dev.apiary.cdi.Retry;
import dev.apiary.cdi.Traced;
import jakarta.enterprise.context.ApplicationScoped;

import java.util.logging.Logger;

/**
 * Pushes entries to a ledger that is always down: every attempt fails and is retried with backoff, and the last
 * one gives up by killing the job (so the job ends {@code KILLED} with the reason as its last error).
 */
@JobWorker(name = "ledger-sync")
@Traced
@Retry(initialDelay = "PT1S", maxDelay = "PT8S")
@ApplicationScoped
public class LedgerSync implements JobHandler<LedgerEntry> {

    private static final Logger LOG = Logger.getLogger(LedgerSync.class.getName());

    @Override
    public Outcome handle(Job<LedgerEntry> job) {
        int attempt = job.context().attempt();
        int max = job.context().maxAttempts();
        if (job.context().isLastAttempt()) {
            LOG.warning(() -> "ledger-sync " + job.id() + ": attempt " + attempt + "/" + max
                    + " failed, giving up: the job is killed");
            throw new AbortJobException("ledger unreachable after " + attempt + " attempts, entry for "
                    + job.payload().account() + " abandoned");
        }
        LOG.info(() -> "ledger-sync " + job.id() + ": attempt " + attempt + "/" + max + " failed, will be retried");
        throw new IllegalStateException("ledger at ledger.invalid:443 refused the connection");
    }
}
