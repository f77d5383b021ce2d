package dev.apiary.impl.worker;

import dev.apiary.Outcome;
import dev.apiary.RecordRefusedException;
import dev.apiary.ResultTooLargeException;
import dev.apiary.spi.JobSource;
import dev.apiary.spi.Settlement;
import dev.apiary.spi.StoredText;

import java.util.ArrayList;
import java.util.List;

/**
 * One write of a batch of settlements that no single refused settlement can block. When the source refuses the
 * batch's data ({@link RecordRefusedException}), the batch is halved until each refused settlement stands alone,
 * and every other settlement is written, in the batch's order. A refused settlement is written again with its text
 * in printable ASCII (a done job without its result, or failed when its result is longer than the source keeps,
 * {@link ResultTooLargeException}); if the source refuses that too, the job ends failed with a
 * short fixed reason. Any other failure means the source cannot be written at all (a database that is down): the
 * write stops there and hands back what it did not write, so that no job is marked failed for an outage.
 */
final class SettleWrite {

    /** Written when even the cleaned outcome of a job is refused: short, plain ASCII, so any store takes it. */
    static final String REFUSED_REASON = "The outcome of this job could not be stored: the storage refused its text "
            + "even in plain ASCII; the worker's log has the original";

    /**
     * What a write did.
     *
     * @param isolated  the refused settlements and what was written in their place, in batch order
     * @param unwritten what was not written because the source failed (in batch order), empty when all was written
     * @param failure   why the source failed, or {@code null}
     */
    record Result(List<Isolated> isolated, List<Settlement> unwritten, RuntimeException failure) {
    }

    /**
     * A settlement the source refused, and the one written in its place.
     *
     * @param refusal why the original was refused
     */
    record Isolated(Settlement refused, Settlement written, RuntimeException refusal) {
    }

    private final JobSource<?> source;
    private final List<Settlement> batch;
    private final List<Isolated> isolated = new ArrayList<>();
    /** How many settlements from the batch's start are written (or isolated); parts are written in order. */
    private int written;

    private SettleWrite(JobSource<?> source, List<Settlement> batch) {
        this.source = source;
        this.batch = batch;
    }

    /** Writes {@code batch} to {@code source}, isolating the settlements it refuses. */
    static Result write(JobSource<?> source, List<Settlement> batch) {
        SettleWrite write = new SettleWrite(source, batch);
        try {
            write.part(0, batch.size());
            return new Result(write.isolated, List.of(), null);
        } catch (Unavailable e) {
            return new Result(write.isolated, List.copyOf(batch.subList(write.written, batch.size())), e.failure);
        }
    }

    private void part(int from, int to) throws Unavailable {
        try {
            source.settle(from == 0 && to == batch.size() ? batch : batch.subList(from, to));
            written = to;
            return;
        } catch (RuntimeException e) {
            if (!refused(e)) {
                throw new Unavailable(e);
            }
            if (to - from == 1) {
                isolate(batch.get(from), e);
                written = to;
                return;
            }
        }
        int middle = (from + to) >>> 1;
        part(from, middle);
        part(middle, to);
    }

    private void isolate(Settlement refused, RuntimeException refusal) throws Unavailable {
        ResultTooLargeException tooLarge = cause(refusal, ResultTooLargeException.class);
        // whoever waits for the result cannot have it: the job fails, with the reason, rather than end done without it
        Settlement cleaned = tooLarge != null
                ? new Settlement(refused.job(), new Outcome.Failed(tooLarge.getMessage())) : cleaned(refused);
        if (!cleaned.equals(refused)) {
            try {
                source.settle(List.of(cleaned));
                isolated.add(new Isolated(refused, cleaned, refusal));
                return;
            } catch (RuntimeException e) {
                if (!refused(e)) {
                    throw new Unavailable(e);
                }
            }
        }
        Settlement failed = new Settlement(refused.job(), new Outcome.Failed(REFUSED_REASON));
        try {
            source.settle(List.of(failed));
        } catch (RuntimeException e) {
            // a source that refuses even a fixed ASCII text is not refusing this job's data: treat it as down
            throw new Unavailable(e);
        }
        isolated.add(new Isolated(refused, failed, refusal));
    }

    /** The same outcome with its text in printable ASCII, or a done job without its result. */
    private static Settlement cleaned(Settlement s) {
        Outcome outcome = s.outcome();
        if (outcome instanceof Outcome.Done) {
            outcome = Outcome.done();
        } else if (outcome instanceof Outcome.Retry retry) {
            outcome = new Outcome.Retry(retry.at(), ascii(retry.error()));
        } else if (outcome instanceof Outcome.Kill kill) {
            outcome = new Outcome.Kill(ascii(kill.reason()));
        } else if (outcome instanceof Outcome.Failed failed) {
            outcome = new Outcome.Failed(ascii(failed.error()));
        }
        return new Settlement(s.job(), outcome);
    }

    private static String ascii(String text) {
        return StoredText.ascii(text, StoredText.MAX_ERROR_LENGTH);
    }

    /** Whether the source refused the data written (somewhere in the cause chain), rather than the write. */
    private static boolean refused(Throwable e) {
        return cause(e, RecordRefusedException.class) != null;
    }

    private static <X extends Throwable> X cause(Throwable e, Class<X> type) {
        for (Throwable t = e; t != null; t = t.getCause()) {
            if (type.isInstance(t)) {
                return type.cast(t);
            }
        }
        return null;
    }

    /** The source cannot be written: unwinds the halving. */
    private static final class Unavailable extends Exception {

        final RuntimeException failure;

        Unavailable(RuntimeException failure) {
            super(null, null, false, false);
            this.failure = failure;
        }
    }
}
