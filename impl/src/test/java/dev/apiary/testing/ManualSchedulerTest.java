package dev.apiary.testing;

import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;

/** The manual scheduler: timers fall due in order as time is stepped, and what a scheduled task threw is kept. */
class ManualSchedulerTest {

    private final ManualClock clock = ManualClock.at(Instant.parse("2030-01-01T00:00:00Z"));
    private final ManualScheduler scheduler = new ManualScheduler(clock);

    @Test
    void timersRunInTheOrderTheyFallDueAsTimeIsStepped() {
        List<String> ran = new ArrayList<>();
        scheduler.schedule((Runnable) () -> ran.add("b"), 2, TimeUnit.SECONDS);
        scheduler.schedule((Runnable) () -> ran.add("a"), 1, TimeUnit.SECONDS);
        scheduler.scheduleWithFixedDelay(() -> ran.add("r"), 3, 3, TimeUnit.SECONDS);

        scheduler.tick(Duration.ofMillis(1500));
        assertThat(ran).containsExactly("a");
        scheduler.tick(Duration.ofSeconds(6));
        assertThat(ran).containsExactly("a", "b", "r", "r");
    }

    @Test
    void whatAScheduledTaskThrewIsKeptInsteadOfVanishingInItsFuture() {
        IllegalStateException boom = new IllegalStateException("boom");
        scheduler.schedule((Runnable) () -> {
            throw boom;
        }, 1, TimeUnit.SECONDS);
        scheduler.schedule(() -> { }, 1, TimeUnit.SECONDS);
        assertThat(scheduler.failures()).isEmpty();

        scheduler.tick(Duration.ofSeconds(1));

        assertThat(scheduler.failures()).containsExactly(boom);
    }
}
