package dev.apiary.examples.war.rest;

import dev.apiary.worker.Monitor;
import dev.apiary.worker.WorkerSnapshot;
import jakarta.enterprise.context.RequestScoped;
import jakarta.inject.Inject;
import jakarta.ws.rs.GET;
import jakarta.ws.rs.Path;
import jakarta.ws.rs.Produces;
import jakarta.ws.rs.core.MediaType;

import java.util.List;

/** Every worker instance with its state and counters. */
@Path("workers")
@Produces(MediaType.APPLICATION_JSON)
@RequestScoped
public class WorkersResource {

    @Inject
    Monitor monitor;

    @GET
    public List<WorkerSnapshot> workers() {
        return monitor.snapshot();
    }
}
