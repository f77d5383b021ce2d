package dev.apiary.impl.cdi;

import dev.apiary.Job;
import dev.apiary.JobHandler;
import dev.apiary.Outcome;
import dev.apiary.cdi.JobWorker;
import dev.apiary.cdi.Queue;
import dev.apiary.cdi.RateLimit;
import dev.apiary.cdi.Retry;
import dev.apiary.cdi.Timeout;
import dev.apiary.spi.InMemory;
import dev.apiary.spi.JobStorage;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.inject.Produces;
import org.jboss.weld.environment.se.Weld;
import org.jboss.weld.environment.se.WeldContainer;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;

/** A bad worker definition or configuration value fails the deployment with a message naming the culprit. */
class DeploymentErrorsTest {

    @ApplicationScoped
    public static class EmailStorage {
        @Produces
        @ApplicationScoped
        JobStorage<Email> emails() {
            return InMemory.storage("email", Email.class);
        }
    }

    @JobWorker
    @SuppressWarnings("rawtypes")
    public static class RawWorker implements JobHandler {
        @Override
        public Outcome handle(Job job) {
            return Outcome.done();
        }
    }

    @JobWorker
    public static class NotAHandler {
        public void work() {
        }
    }

    @JobWorker(name = "mail")
    public static class FirstMailWorker implements JobHandler<Email> {
        @Override
        public Outcome handle(Job<Email> job) {
            return Outcome.done();
        }
    }

    @JobWorker(name = "mail")
    public static class SecondMailWorker implements JobHandler<Email> {
        @Override
        public Outcome handle(Job<Email> job) {
            return Outcome.done();
        }
    }

    @JobWorker(queue = "newsletter")
    public static class NewsletterWorker implements JobHandler<Email> {
        @Override
        public Outcome handle(Job<Email> job) {
            return Outcome.done();
        }
    }

    @JobWorker
    @Timeout("soon")
    @RateLimit(permits = 0)
    public static class BadLayersWorker implements JobHandler<Email> {
        @Override
        public Outcome handle(Job<Email> job) {
            return Outcome.done();
        }
    }

    @JobWorker(name = "email", concurrency = 0)
    public static class ZeroConcurrencyWorker implements JobHandler<Email> {
        @Override
        public Outcome handle(Job<Email> job) {
            return Outcome.done();
        }
    }

    @JobWorker(name = "email", prefetch = -2, pollInterval = "fast", lease = "-PT1S")
    public static class BadSettingsWorker implements JobHandler<Email> {
        @Override
        public Outcome handle(Job<Email> job) {
            return Outcome.done();
        }
    }

    @JobWorker(name = "email")
    public static class EmailWorker implements JobHandler<Email> {
        @Override
        public Outcome handle(Job<Email> job) {
            return Outcome.done();
        }
    }

    @JobWorker(name = "email")
    @Retry(maxAttempts = 3)
    public static class RetryingEmailWorker implements JobHandler<Email> {
        @Override
        public Outcome handle(Job<Email> job) {
            return Outcome.done();
        }
    }

    @ApplicationScoped
    public static class TwoStorages {
        @Produces
        @ApplicationScoped
        @Queue("a")
        JobStorage<Email> a() {
            return InMemory.storage("a", Email.class);
        }

        @Produces
        @ApplicationScoped
        @Queue("a")
        JobStorage<Email> alsoA() {
            return InMemory.storage("a", Email.class);
        }
    }

    @JobWorker(queue = "a")
    public static class AWorker implements JobHandler<Email> {
        @Override
        public Outcome handle(Job<Email> job) {
            return Outcome.done();
        }
    }

    @AfterEach
    void defaultConfig() {
        TestConfig.clear();
    }

    static Throwable deploy(Class<?>... beans) {
        Weld weld = new Weld().disableDiscovery().addBeanClasses(beans).addExtension(new ApiaryExtension());
        try (WeldContainer container = weld.initialize()) {
            throw new AssertionError("The deployment was expected to fail, but started " + container.getId());
        } catch (RuntimeException e) {
            return e;
        }
    }

    static String messages(Throwable error) {
        StringBuilder all = new StringBuilder();
        for (Throwable t = error; t != null; t = t.getCause()) {
            all.append(t.getMessage()).append('\n');
            for (Throwable s : t.getSuppressed()) {
                all.append(s.getMessage()).append('\n');
            }
        }
        return all.toString();
    }

    @Test
    void aWorkerImplementingTheRawJobHandlerHasNoPayloadType() {
        assertThat(messages(deploy(RawWorker.class, EmailStorage.class)))
                .contains("Worker bean " + RawWorker.class.getName() + ": implements the raw type JobHandler, so it"
                        + " has no payload type");
    }

    @Test
    void aWorkerThatIsNoJobHandlerIsRejected() {
        assertThat(messages(deploy(NotAHandler.class, EmailStorage.class)))
                .contains("Worker bean " + NotAHandler.class.getName() + ": is annotated @JobWorker but does not"
                        + " implement JobHandler<T>");
    }

    @Test
    void twoWorkersWithTheSameNameAreRejectedNamingBoth() {
        assertThat(messages(deploy(FirstMailWorker.class, SecondMailWorker.class, EmailStorage.class)))
                .contains("Two or more worker beans are named 'mail': ")
                .contains(FirstMailWorker.class.getName()).contains(SecondMailWorker.class.getName());
    }

    @Test
    void aWorkerWithoutAStorageForItsQueueIsRejected() {
        assertThat(messages(deploy(NewsletterWorker.class, EmailStorage.class)))
                .contains("Apiary worker 'newsletter' (" + NewsletterWorker.class.getName() + ") has no source for"
                        + " its queue: there is no bean of type JobStorage<" + Email.class.getName()
                        + "> with qualifier @Queue(\"newsletter\") (nor MessageQueue<" + Email.class.getName()
                        + ">), and apiary.workers.newsletter.jms.destination is not set");
    }

    @Test
    void aWorkerWithTwoStoragesForItsQueueIsRejected() {
        assertThat(messages(deploy(AWorker.class, TwoStorages.class)))
                .contains("Apiary worker 'a' (" + AWorker.class.getName() + ") has more than one storage");
    }

    @Test
    void badLayerAnnotationValuesAreRejectedNamingTheMember() {
        String messages = messages(deploy(BadLayersWorker.class, EmailStorage.class));
        assertThat(messages).contains("Worker bean " + BadLayersWorker.class.getName()
                + ": @Timeout(value): 'soon' is not a duration");
        assertThat(messages).contains("Worker bean " + BadLayersWorker.class.getName()
                + ": @RateLimit(permits = 0): must be at least 1");
    }

    @Test
    void aConcurrencyBelowOneIsRejected() {
        assertThat(messages(deploy(ZeroConcurrencyWorker.class, EmailStorage.class)))
                .contains("@JobWorker(concurrency = 0): must be at least 1");
    }

    @Test
    void badSettingsInTheAnnotationAreRejectedNamingTheMemberAndTheValue() {
        String messages = messages(deploy(BadSettingsWorker.class, EmailStorage.class));

        assertThat(messages).contains("@JobWorker(prefetch = -2): must be 0 or more, or -1");
        assertThat(messages).contains("@JobWorker(pollInterval = \"fast\"): expected a positive duration");
        assertThat(messages).contains("@JobWorker(lease = \"-PT1S\"): expected a duration of zero or more");
    }

    @Test
    void anInvalidConfigValueFailsTheDeploymentNamingTheKeyAndTheValue() {
        TestConfig.use(Map.of("apiary.workers.email.concurrency", "many",
                "apiary.workers.email.poll-interval", "fast",
                "apiary.shutdown.grace-period", "-PT1S"));

        String messages = messages(deploy(EmailWorker.class, EmailStorage.class));
        assertThat(messages).contains("Invalid value 'many' for apiary.workers.email.concurrency: expected a whole"
                + " number of at least 1");
        assertThat(messages).contains("Invalid value 'fast' for apiary.workers.email.poll-interval: expected a"
                + " duration");
        assertThat(messages).contains("Invalid value '-PT1S' for apiary.shutdown.grace-period");
    }

    @Test
    void maxAttemptsForAWorkerWithoutRetryIsRejected() {
        TestConfig.use(Map.of("apiary.workers.email.max-attempts", "5"));

        assertThat(messages(deploy(EmailWorker.class, EmailStorage.class)))
                .contains("apiary.workers.email.max-attempts is set, but worker 'email' (" + EmailWorker.class.getName()
                        + ") has no @Retry");
    }

    @Test
    void aTickLimitShorterThanThePollIntervalIsRejected() {
        TestConfig.use(Map.of("apiary.health.max-tick-age", "1s", "apiary.workers.email.max-poll-interval", "5s"));

        assertThat(messages(deploy(RetryingEmailWorker.class, EmailStorage.class)))
                .contains("apiary.health.max-tick-age (PT1S) must be longer than"
                        + " apiary.workers.email.max-poll-interval (PT5S)");
    }

    @Test
    void anUnknownExecutorJndiNameFailsTheStartNamingTheKey() {
        TestConfig.use(Map.of("apiary.executor.jndi-name", "java:comp/env/concurrent/Missing"));

        assertThat(messages(deploy(RetryingEmailWorker.class, EmailStorage.class)))
                .contains("apiary.executor.jndi-name = java:comp/env/concurrent/Missing: there is no JNDI here");
    }

    /** A container's naming service in which nothing is bound: what a server without a default executor has. */
    public static class EmptyNaming implements javax.naming.spi.InitialContextFactory {
        @Override
        public javax.naming.Context getInitialContext(java.util.Hashtable<?, ?> environment) {
            return (javax.naming.Context) java.lang.reflect.Proxy.newProxyInstance(getClass().getClassLoader(),
                    new Class<?>[] {javax.naming.Context.class}, (proxy, method, args) -> {
                        if (method.getName().equals("lookup")) {
                            throw new javax.naming.NameNotFoundException(args[0] + " is not bound");
                        }
                        return null;
                    });
        }
    }

    @Test
    void aContainerWithoutTheDefaultManagedExecutorFailsTheStartNamingTheKey() {
        System.setProperty(javax.naming.Context.INITIAL_CONTEXT_FACTORY, EmptyNaming.class.getName());
        try {
            assertThat(messages(deploy(RetryingEmailWorker.class, EmailStorage.class)))
                    .contains("apiary.executor.jndi-name = java:comp/DefaultManagedExecutorService does not resolve")
                    .contains("set apiary.executor.jndi-name to the JNDI name of a ManagedExecutorService");
        } finally {
            System.clearProperty(javax.naming.Context.INITIAL_CONTEXT_FACTORY);
        }
    }
}
