package dev.apiary.jpa;

import dev.apiary.ConfigurationException;
import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.util.Map;
import java.util.Optional;
import java.util.function.Function;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** The default storage's keys take durations and flags as the other {@code apiary.*} keys do. */
class ConfigValuesTest {

    private static final String KEY = "apiary.storage.statement-timeout";

    @Test
    void durationsTakeAUnitOrIsoAndZeroMeansNoLimit() {
        assertThat(ConfigValues.duration(config("500ms"), KEY)).contains(Duration.ofMillis(500));
        assertThat(ConfigValues.duration(config(" 10 s "), KEY)).contains(Duration.ofSeconds(10));
        assertThat(ConfigValues.duration(config("1M"), KEY)).contains(Duration.ofMinutes(1));
        assertThat(ConfigValues.duration(config("2h"), KEY)).contains(Duration.ofHours(2));
        assertThat(ConfigValues.duration(config("PT1.5S"), KEY)).contains(Duration.ofMillis(1500));
        assertThat(ConfigValues.duration(config("0"), KEY)).contains(Duration.ZERO);
        assertThat(ConfigValues.duration(config("  "), KEY)).isEmpty();
        assertThat(ConfigValues.duration(key -> Optional.empty(), KEY)).isEmpty();
    }

    @Test
    void aNegativeOrUnreadableDurationIsRefusedWithItsKey() {
        for (String value : new String[] {"-5s", "PT-1S", "ten seconds", "5d"}) {
            assertThatThrownBy(() -> ConfigValues.duration(config(value), KEY))
                    .isInstanceOf(ConfigurationException.class)
                    .hasMessage("Invalid value '" + value + "' for " + KEY + ": expected a duration such as 500ms,"
                            + " 10s, 1m or PT10S, or 0 for no limit");
        }
    }

    @Test
    void flagsAreTrueOrFalseAndOtherwiseRefused() {
        assertThat(ConfigValues.flag(config(" TRUE "), "apiary.storage.notifications", false)).isTrue();
        assertThat(ConfigValues.flag(config("false"), "apiary.storage.notifications", true)).isFalse();
        assertThat(ConfigValues.flag(key -> Optional.empty(), "apiary.storage.notifications", true)).isTrue();
        assertThatThrownBy(() -> ConfigValues.flag(config("yes"), "apiary.storage.notifications", true))
                .isInstanceOf(ConfigurationException.class)
                .hasMessage("Invalid value 'yes' for apiary.storage.notifications: expected true or false");
    }

    private static Function<String, Optional<String>> config(String value) {
        return key -> Optional.ofNullable(Map.of(KEY, value, "apiary.storage.notifications", value).get(key));
    }
}
