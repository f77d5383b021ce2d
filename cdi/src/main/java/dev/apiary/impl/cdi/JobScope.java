package dev.apiary.impl.cdi;

import jakarta.enterprise.util.AnnotationLiteral;
import jakarta.interceptor.InterceptorBinding;

import java.lang.annotation.ElementType;
import java.lang.annotation.Retention;
import java.lang.annotation.RetentionPolicy;
import java.lang.annotation.Target;

/** Binds {@link JobScopeInterceptor}; the extension adds it to every {@code @JobWorker} bean. Not for users. */
@InterceptorBinding
@Retention(RetentionPolicy.RUNTIME)
@Target({ElementType.TYPE, ElementType.METHOD})
public @interface JobScope {

    /** The instance the extension adds. */
    final class Literal extends AnnotationLiteral<JobScope> implements JobScope {
        static final Literal INSTANCE = new Literal();
        private static final long serialVersionUID = 1L;
    }
}
