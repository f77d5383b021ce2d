package dev.apiary.impl.cdi;

import jakarta.enterprise.inject.spi.Bean;

import java.lang.annotation.Annotation;
import java.lang.reflect.ParameterizedType;
import java.util.Set;

/**
 * A bean of type {@code JobStorage<T>} (a producer or a class), as the extension found it.
 *
 * @param storageType its {@code JobStorage<T>} bean type
 */
public record StorageBean(Bean<?> bean, Class<?> payloadType, ParameterizedType storageType,
                          Set<Annotation> qualifiers) {
}
