package dev.apiary.schedule;

import java.util.List;
import java.util.Optional;

/**
 * Operations on the application's recurring schedules (from {@code Monitor.schedules()}, or {@code @Inject
 * Schedules} in a container). Pause and resume act on every node, since the state is kept in the storage. Methods
 * that take a name throw {@link IllegalArgumentException} when this application has no schedule of that name, and
 * {@link dev.apiary.StorageException} when the storage cannot be reached.
 */
public interface Schedules {

    /** Every schedule registered with this application, by name, with its last and next fire. */
    List<ScheduleInfo> list();

    /** One schedule, or empty when there is none of that name. */
    Optional<ScheduleInfo> find(String name);

    /** Stops the schedule from firing, on every node, until {@link #resume}. */
    void pause(String name);

    /**
     * Lets a paused schedule fire again from its next fire time on; what fell due while it was paused does not
     * fire. Does nothing to a schedule that is not paused.
     */
    void resume(String name);

    /**
     * Enqueues one job of the schedule now, outside its fire times (also when it is paused or disabled), and returns
     * its id. Its fire times are unchanged.
     */
    String triggerNow(String name);
}
