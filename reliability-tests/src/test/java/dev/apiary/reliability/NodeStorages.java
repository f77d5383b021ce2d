package dev.apiary.reliability;

import dev.apiary.jpa.JpaJobStorage;
import dev.apiary.reliability.Payloads.Erroring;
import dev.apiary.reliability.Payloads.Hanging;
import dev.apiary.reliability.Payloads.Paced;
import dev.apiary.reliability.Payloads.PoisonText;
import dev.apiary.reliability.Payloads.Step;
import dev.apiary.reliability.Payloads.Throwing;
import dev.apiary.reliability.Payloads.Question;
import dev.apiary.reliability.Payloads.Tick;
import dev.apiary.reliability.Payloads.Work;
import dev.apiary.spi.JobStorage;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.inject.Disposes;
import jakarta.enterprise.inject.Produces;
import jakarta.inject.Singleton;
import jakarta.json.JsonObject;
import jakarta.persistence.EntityManagerFactory;

import javax.sql.DataSource;

/**
 * The node's storages, one JPA storage per queue on the node's persistence unit, with PostgreSQL LISTEN/NOTIFY
 * wake-ups; the factory and DataSource are made by {@link WorkerNode} before the container starts.
 */
@ApplicationScoped
public class NodeStorages {

    private static EntityManagerFactory emf;
    private static DataSource notifications;
    private static RunLog runLog;

    static void use(EntityManagerFactory factory, DataSource listenSource, RunLog log) {
        emf = factory;
        notifications = listenSource;
        runLog = log;
    }

    @Produces
    @Singleton
    RunLog runLog() {
        return runLog;
    }

    @Produces
    @ApplicationScoped
    JobStorage<Work> work() {
        return storage("work", Work.class);
    }

    @Produces
    @ApplicationScoped
    JobStorage<Paced> paced() {
        return storage("paced", Paced.class);
    }

    @Produces
    @ApplicationScoped
    JobStorage<Throwing> throwing() {
        return storage("throwing", Throwing.class);
    }

    @Produces
    @ApplicationScoped
    JobStorage<Hanging> hanging() {
        return storage("hanging", Hanging.class);
    }

    @Produces
    @ApplicationScoped
    JobStorage<Erroring> erroring() {
        return storage("erroring", Erroring.class);
    }

    @Produces
    @ApplicationScoped
    JobStorage<PoisonText> poisonText() {
        return storage("poisontext", PoisonText.class);
    }

    @Produces
    @ApplicationScoped
    JobStorage<Tick> tick() {
        return storage("tick", Tick.class);
    }

    @Produces
    @ApplicationScoped
    JobStorage<Step> step() {
        return storage("step", Step.class);
    }

    @Produces
    @ApplicationScoped
    JobStorage<JsonObject> stepJoin() {
        return storage("stepjoin", JsonObject.class);
    }

    @Produces
    @ApplicationScoped
    JobStorage<Question> answer() {
        return storage("answer", Question.class);
    }

    private static <T> JobStorage<T> storage(String queue, Class<T> type) {
        return JpaJobStorage.builder(emf).queue(queue, type).notifications(notifications).build();
    }

    void close(@Disposes JobStorage<?> storage) {
        if (storage instanceof JpaJobStorage<?> jpa) {
            jpa.close();
        }
    }
}
