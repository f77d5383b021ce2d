package dev.apiary.impl.cdi;

import java.lang.reflect.ParameterizedType;
import java.lang.reflect.Type;
import java.util.Arrays;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;

/** Builds and reads the parameterized types Apiary resolves beans by ({@code JobStorage<Email>}, ...). */
final class ParameterizedTypes {

    private ParameterizedTypes() {
    }

    /** {@code raw<argument>}. */
    static ParameterizedType of(Class<?> raw, Type argument) {
        return new Simple(raw, new Type[] {argument});
    }

    /** The type argument of {@code raw} among a bean's types: empty when absent, the raw class itself when raw. */
    static Optional<Type> argumentOf(Set<Type> types, Class<?> raw) {
        for (Type type : types) {
            if (type instanceof ParameterizedType p && p.getRawType() == raw) {
                return Optional.of(p.getActualTypeArguments()[0]);
            }
        }
        return types.contains(raw) ? Optional.of(raw) : Optional.empty();
    }

    /** Equal to the JDK's own parameterized types (same contract as {@code sun.reflect...ParameterizedTypeImpl}). */
    private record Simple(Class<?> raw, Type[] arguments) implements ParameterizedType {

        @Override
        public Type[] getActualTypeArguments() {
            return arguments.clone();
        }

        @Override
        public Type getRawType() {
            return raw;
        }

        @Override
        public Type getOwnerType() {
            return raw.getDeclaringClass();
        }

        @Override
        public boolean equals(Object o) {
            return o instanceof ParameterizedType p && raw.equals(p.getRawType())
                    && Objects.equals(getOwnerType(), p.getOwnerType())
                    && Arrays.equals(arguments, p.getActualTypeArguments());
        }

        @Override
        public int hashCode() {
            return Arrays.hashCode(arguments) ^ Objects.hashCode(getOwnerType()) ^ raw.hashCode();
        }

        @Override
        public String toString() {
            return raw.getName() + "<" + arguments[0].getTypeName() + ">";
        }
    }
}
