package dev.apiary.reliability;

import dev.apiary.Job;
import dev.apiary.JobHandler;
import dev.apiary.Outcome;
import dev.apiary.cdi.JobWorker;
import dev.apiary.cdi.Recurring;
import dev.apiary.cdi.Retry;
import dev.apiary.cdi.Timeout;
import dev.apiary.reliability.Payloads.Answer;
import dev.apiary.reliability.Payloads.Erroring;
import dev.apiary.reliability.Payloads.Hanging;
import dev.apiary.reliability.Payloads.Paced;
import dev.apiary.reliability.Payloads.PoisonText;
import dev.apiary.reliability.Payloads.Question;
import dev.apiary.reliability.Payloads.Step;
import dev.apiary.reliability.Payloads.Throwing;
import dev.apiary.reliability.Payloads.Tick;
import dev.apiary.reliability.Payloads.Work;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.inject.Inject;
import jakarta.json.JsonObject;

/**
 * The worker beans of a node. {@code work} is the one every scenario drains; the others serve the poison-job,
 * schedule, workflow, answer and rate scenarios and are disabled elsewhere
 * ({@code apiary.workers.<name>.enabled=false}).
 */
public final class NodeWorkers {

    private NodeWorkers() {
    }

    /**
     * Records the run, then works for the payload's time and records its end (or that it was interrupted); a failed
     * record of the run (database down) is retried.
     */
    @JobWorker(name = "work", concurrency = 8)
    @Retry(initialDelay = "200ms", maxDelay = "2s")
    @ApplicationScoped
    public static class WorkWorker implements JobHandler<Work> {
        @Inject
        RunLog runs;

        @Override
        public Outcome handle(Job<Work> job) throws Exception {
            runs.record(job.context());
            if (job.payload().millis() > 0) {
                try {
                    Thread.sleep(job.payload().millis());
                } catch (InterruptedException e) {
                    runs.interrupted(job.context(), job.context().isCancelled());
                    throw e;
                }
            }
            runs.ended(job.context());
            return Outcome.done();
        }
    }

    /** Answers a question with its double and this node's name, or fails it; no retry, so a failure is final. */
    @JobWorker(name = "answer", concurrency = 4)
    @ApplicationScoped
    public static class AnswerWorker implements JobHandler<Question> {
        @Override
        public Outcome handle(Job<Question> job) {
            if (job.payload().fail()) {
                return Outcome.failed("question " + job.payload().n() + " has no answer");
            }
            return Outcome.done(new Answer(job.payload().n() * 2, System.getProperty("apiary.node", "unnamed")));
        }
    }

    /** Records the run and is done: the rate scenario counts the starts. */
    @JobWorker(name = "paced", concurrency = 8)
    @ApplicationScoped
    public static class PacedWorker implements JobHandler<Paced> {
        @Inject
        RunLog runs;

        @Override
        public Outcome handle(Job<Paced> job) throws Exception {
            runs.record(job.context());
            return Outcome.done();
        }
    }

    @JobWorker(name = "throwing")
    @Retry(initialDelay = "100ms", maxDelay = "200ms")
    @ApplicationScoped
    public static class ThrowingWorker implements JobHandler<Throwing> {
        @Override
        public Outcome handle(Job<Throwing> job) {
            throw new IllegalStateException("throwing handler refuses " + job.payload().note() + " (attempt "
                    + job.context().attempt() + ")");
        }
    }

    @JobWorker(name = "hanging")
    @Retry(initialDelay = "100ms", maxDelay = "200ms")
    @Timeout("1s")
    @ApplicationScoped
    public static class HangingWorker implements JobHandler<Hanging> {
        @Override
        public Outcome handle(Job<Hanging> job) throws InterruptedException {
            Thread.sleep(600_000);
            return Outcome.done();
        }
    }

    @JobWorker(name = "erroring")
    @Retry(initialDelay = "100ms", maxDelay = "200ms")
    @ApplicationScoped
    public static class ErroringWorker implements JobHandler<Erroring> {
        @Override
        public Outcome handle(Job<Erroring> job) {
            throw new AssertionError("erroring handler breaks on " + job.payload().note());
        }
    }

    /**
     * Fails, for the jobs that ask for it, with what an upstream system may send as an error: a NUL character (which
     * PostgreSQL refuses), surrogates without their partner, or a message of 10 MB; records and ends the others.
     */
    @JobWorker(name = "poisontext", concurrency = 8)
    @Retry(initialDelay = "100ms", maxDelay = "200ms")
    @ApplicationScoped
    public static class PoisonTextWorker implements JobHandler<PoisonText> {
        @Inject
        RunLog runs;

        @Override
        public Outcome handle(Job<PoisonText> job) throws Exception {
            PoisonText p = job.payload();
            if (p.kind() == null) {
                runs.record(job.context());
                return Outcome.done();
            }
            throw switch (p.kind()) {
                case "nul" -> new IllegalStateException("upstream said \u0000 in reply " + p.n(),
                        new java.io.IOException("and its cause \u0000 too"));
                case "surrogate" -> new IllegalStateException("upstream sent \uD800 broken \uDC00 text in reply "
                        + p.n());
                default -> new IllegalStateException("upstream reply " + p.n() + " of 10 MB: "
                        + "x".repeat(10 * 1024 * 1024) + " (end of reply " + p.n() + ")");
            };
        }
    }

    /**
     * Runs the jobs of a schedule that fires every second; its misfire threshold is short, so that a test can pause
     * every node for longer. Disabled, with its schedule, except where a scenario asks for them.
     */
    @JobWorker(name = "tick", concurrency = 4)
    @Recurring(name = "every-second", cron = "* * * * * *", misfireThreshold = "10s")
    @ApplicationScoped
    public static class TickWorker implements JobHandler<Tick> {
        @Override
        public Outcome handle(Job<Tick> job) {
            return Outcome.done();
        }
    }

    /** Runs a workflow step as {@code work} runs a job, and returns its payload as its result for the next steps. */
    @JobWorker(name = "step", concurrency = 8)
    @ApplicationScoped
    public static class StepWorker implements JobHandler<Step> {
        @Inject
        RunLog runs;

        @Override
        public Outcome handle(Job<Step> job) throws Exception {
            runs.record(job.context());
            Thread.sleep(job.payload().millis());
            runs.ended(job.context());
            return Outcome.done(job.payload());
        }
    }

    /** The join of a workflow: receives every parent's result by step name and returns how many it received. */
    @JobWorker(name = "stepjoin")
    @ApplicationScoped
    public static class StepJoinWorker implements JobHandler<JsonObject> {
        @Inject
        RunLog runs;

        @Override
        public Outcome handle(Job<JsonObject> job) throws Exception {
            runs.record(job.context());
            runs.ended(job.context());
            return Outcome.done(job.payload().size());
        }
    }
}
