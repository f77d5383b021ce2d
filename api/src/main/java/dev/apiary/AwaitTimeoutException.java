package dev.apiary;

import java.time.Duration;
import java.util.List;

/**
 * An await ended at its timeout before every job it waited for was final. The jobs go on: this ends the wait only;
 * await them again, or read them later by id.
 */
public class AwaitTimeoutException extends ApiaryException {

    private final List<String> unfinished;

    public AwaitTimeoutException(String queue, List<String> unfinished, int awaited, Duration timeout) {
        super(unfinished.size() + " of " + awaited + " awaited jobs of queue '" + queue + "' were not final after "
                + timeout + (unfinished.size() <= 5 ? ": " + unfinished : " (first: " + unfinished.subList(0, 5) + ")")
                + "; they keep running, await them again or read them later");
        this.unfinished = List.copyOf(unfinished);
    }

    /** The ids of the awaited jobs that were not final at the timeout. */
    public List<String> unfinished() {
        return unfinished;
    }
}
