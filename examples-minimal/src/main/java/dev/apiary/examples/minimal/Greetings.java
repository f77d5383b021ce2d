package dev.apiary.examples.minimal;

import dev.apiary.JobQueue;
import jakarta.enterprise.context.RequestScoped;
import jakarta.inject.Inject;
import jakarta.ws.rs.ApplicationPath;
import jakarta.ws.rs.GET;
import jakarta.ws.rs.POST;
import jakarta.ws.rs.Path;
import jakarta.ws.rs.PathParam;
import jakarta.ws.rs.Produces;
import jakarta.ws.rs.core.Application;
import jakarta.ws.rs.core.MediaType;

import java.util.List;

/** {@code POST /api/greetings/{name}} enqueues a greeting; {@code GET /api/greetings} lists those run. */
@Path("greetings")
@RequestScoped
public class Greetings {

    @Inject
    JobQueue<Greeting> greetings;

    @POST
    @Path("{name}")
    @Produces(MediaType.TEXT_PLAIN)
    public String greet(@PathParam("name") String name) {
        return greetings.push(new Greeting(name));
    }

    @GET
    @Produces(MediaType.TEXT_PLAIN)
    public String greeted() {
        return String.join("\n", List.copyOf(GreetingWorker.GREETED));
    }

    /** The JAX-RS application, under {@code /api}. */
    @ApplicationPath("api")
    public static class Api extends Application {
    }
}
