package dev.apiary.impl.cdi;

import dev.apiary.schedule.Schedule;
import jakarta.enterprise.inject.spi.Bean;

/**
 * A {@code @Recurring} schedule on a worker bean, as the extension read it.
 *
 * @param schedule the schedule after configuration
 * @param payload  the bean named after the schedule that makes each fire's payload, or {@code null} to construct
 *                 the worker's payload type
 */
public record RecurringBean(WorkerModel worker, Schedule schedule, Bean<?> payload) {
}
