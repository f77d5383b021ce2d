package dev.apiary.impl.cdi;

import dev.apiary.impl.telemetry.Telemetry;
import io.opentelemetry.api.OpenTelemetry;
import jakarta.enterprise.inject.Instance;
import jakarta.enterprise.inject.spi.BeanManager;

import java.time.Duration;

/**
 * The application's OpenTelemetry: the bean MicroProfile Telemetry provides, else {@code GlobalOpenTelemetry} when
 * it is set (the OpenTelemetry agent), else none.
 * Loaded only when the OpenTelemetry API is on the class path.
 */
final class ContainerTelemetry {

    private ContainerTelemetry() {
    }

    static Telemetry lookup(BeanManager beanManager, Duration backlogRefresh) {
        Instance<OpenTelemetry> bean = beanManager.createInstance().select(OpenTelemetry.class);
        if (bean.isResolvable()) {
            return Telemetry.of(bean.get(), backlogRefresh);
        }
        Telemetry global = Telemetry.globalIfSet(backlogRefresh);
        return global == null ? Telemetry.NONE : global;
    }
}
