package dev.apiary.impl.config.microprofile;

import dev.apiary.ConfigurationException;
import dev.apiary.impl.DefaultApiaryProvider;
import dev.apiary.impl.cdi.TestConfig;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/**
 * The key that sets how long the in-memory storage lists a stopped worker instance, read by the plain-Java provider
 * through MicroProfile Config once this module is on the class path.
 */
class WorkerRetentionConfigTest {

    @AfterEach
    void dropConfig() {
        TestConfig.clear();
    }

    @Test
    void theRetentionComesFromMicroProfileConfigWhenAStorageIsBuilt() {
        DefaultApiaryProvider provider = new DefaultApiaryProvider();
        assertThat(provider.workerRetention()).isEqualTo(Duration.ofHours(1));

        TestConfig.use(Map.of("apiary.storage.worker-retention", "10m"));

        assertThat(provider.workerRetention()).isEqualTo(Duration.ofMinutes(10));
    }

    @Test
    void aBadRetentionNamesTheKeyAndTheValue() {
        TestConfig.use(Map.of("apiary.storage.worker-retention", "0"));

        assertThatThrownBy(() -> new DefaultApiaryProvider().newInMemoryStorage("mail", String.class))
                .isInstanceOf(ConfigurationException.class)
                .hasMessageContaining("apiary.storage.worker-retention").hasMessageContaining("'0'");
    }
}
