package dev.apiary.cdi;

import jakarta.interceptor.InterceptorBinding;

import java.lang.annotation.Documented;
import java.lang.annotation.ElementType;
import java.lang.annotation.Inherited;
import java.lang.annotation.Retention;
import java.lang.annotation.RetentionPolicy;
import java.lang.annotation.Target;

/**
 * Turns any {@link Throwable} from a worker bean, {@link Error}s included, into a failed outcome with its stack
 * trace, like {@code Layers.catchFailure}. Runs at {@link LayerPriorities#CATCH_FAILURE}.
 */
@InterceptorBinding
@Inherited
@Documented
@Retention(RetentionPolicy.RUNTIME)
@Target({ElementType.TYPE, ElementType.METHOD})
public @interface CatchFailure {
}
