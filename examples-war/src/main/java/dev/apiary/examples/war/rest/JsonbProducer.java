package dev.apiary.examples.war.rest;

import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.inject.Disposes;
import jakarta.enterprise.inject.Produces;
import jakarta.json.bind.Jsonb;
import jakarta.json.bind.JsonbBuilder;

/** One JSON-B instance (the server's implementation) to read request bodies: they are costly to create. */
@ApplicationScoped
public class JsonbProducer {

    @Produces
    @ApplicationScoped
    Jsonb jsonb() {
        return JsonbBuilder.create();
    }

    void close(@Disposes Jsonb jsonb) throws Exception {
        jsonb.close();
    }
}
