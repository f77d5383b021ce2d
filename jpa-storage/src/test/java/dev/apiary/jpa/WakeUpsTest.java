package dev.apiary.jpa;

import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Executors;

import static org.assertj.core.api.Assertions.assertThat;

/** Wake-ups reach every listener still registered, whatever another listener does. */
class WakeUpsTest {

    @Test
    void aFailingListenerDoesNotKeepTheOthersAsleepAndARemovedOneIsNotCalled() throws Exception {
        WakeUps wakeUps = new WakeUps("mail", SqlDialect.H2, null, Executors.defaultThreadFactory());
        List<String> woken = new ArrayList<>();
        wakeUps.add(() -> {
            throw new IllegalStateException("listener bug");
        });
        AutoCloseable second = wakeUps.add(() -> woken.add("second"));
        wakeUps.add(() -> woken.add("third"));

        wakeUps.wakeUp();
        second.close();
        wakeUps.wakeUp();

        assertThat(woken).containsExactly("second", "third", "third");
        wakeUps.close();
    }
}
