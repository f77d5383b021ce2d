package dev.apiary.impl.cdi;

import dev.apiary.impl.telemetry.Telemetry;
import io.opentelemetry.api.GlobalOpenTelemetry;
import io.opentelemetry.api.OpenTelemetry;
import jakarta.enterprise.inject.Instance;
import jakarta.enterprise.inject.spi.BeanManager;

import java.time.Duration;

/**
 * The application's OpenTelemetry: the bean MicroProfile Telemetry provides, else {@code GlobalOpenTelemetry}.
 * Loaded only when the OpenTelemetry API is on the class path.
 */
final class ContainerTelemetry {

    private ContainerTelemetry() {
    }

    static Telemetry lookup(BeanManager beanManager, Duration backlogRefresh) {
        Instance<OpenTelemetry> bean = beanManager.createInstance().select(OpenTelemetry.class);
        OpenTelemetry otel = bean.isResolvable() ? bean.get() : GlobalOpenTelemetry.get();
        return Telemetry.of(otel, backlogRefresh);
    }
}
