package dev.apiary.cdi;

import jakarta.enterprise.util.AnnotationLiteral;
import jakarta.inject.Qualifier;

import java.lang.annotation.Documented;
import java.lang.annotation.ElementType;
import java.lang.annotation.Retention;
import java.lang.annotation.RetentionPolicy;
import java.lang.annotation.Target;

/**
 * Names a queue when an application has more than one queue of the same payload type: qualifies the
 * {@code JobStorage<T>} producer, and the {@code JobQueue<T>} injection points that push to it. A worker picks the
 * storage with {@link JobWorker#queue()}.
 *
 * <pre>{@code
 * @Produces @ApplicationScoped @Queue("urgent")
 * JobStorage<Email> urgent() { return InMemory.storage("urgent", Email.class); }
 *
 * @Inject @Queue("urgent") JobQueue<Email> urgentMail;
 * }</pre>
 */
@Qualifier
@Documented
@Retention(RetentionPolicy.RUNTIME)
@Target({ElementType.TYPE, ElementType.METHOD, ElementType.FIELD, ElementType.PARAMETER})
public @interface Queue {

    /** The queue's name; by convention the same as the storage's {@code queue()}. */
    String value();

    /** An instance of {@code @Queue(value)}, for programmatic lookup. */
    final class Literal extends AnnotationLiteral<Queue> implements Queue {

        private static final long serialVersionUID = 1L;

        private final String value;

        private Literal(String value) {
            this.value = value;
        }

        /** {@code @Queue(value)}. */
        public static Literal of(String value) {
            return new Literal(value);
        }

        @Override
        public String value() {
            return value;
        }
    }
}
