package dev.apiary.examples.quarkus;

import dev.apiary.JobQueue;
import jakarta.enterprise.context.RequestScoped;
import jakarta.inject.Inject;
import jakarta.transaction.Transactional;
import jakarta.ws.rs.ApplicationPath;
import jakarta.ws.rs.GET;
import jakarta.ws.rs.POST;
import jakarta.ws.rs.Path;
import jakarta.ws.rs.PathParam;
import jakarta.ws.rs.Produces;
import jakarta.ws.rs.QueryParam;
import jakarta.ws.rs.WebApplicationException;
import jakarta.ws.rs.core.Application;
import jakarta.ws.rs.core.MediaType;
import jakarta.ws.rs.core.Response;

import java.util.List;

/**
 * {@code POST /api/greetings/{name}} enqueues a greeting in the request's transaction ({@code ?fail=true} rolls it
 * back after the push, which leaves no job); {@code GET /api/greetings} lists those run.
 */
@Path("greetings")
@RequestScoped
public class Greetings {

    @Inject
    JobQueue<Greeting> greetings;

    @POST
    @Path("{name}")
    @Produces(MediaType.TEXT_PLAIN)
    @Transactional
    public String greet(@PathParam("name") String name, @QueryParam("fail") boolean fail) {
        String id = greetings.push(new Greeting(name));
        if (fail) {
            throw new WebApplicationException(Response.status(Response.Status.CONFLICT)
                    .entity("rolled back: job " + id + " was never pushed").type(MediaType.TEXT_PLAIN).build());
        }
        return id;
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
