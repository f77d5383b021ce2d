package dev.apiary.examples.war.rest;

import dev.apiary.dashboard.SameOriginActions;
import jakarta.servlet.annotation.WebFilter;

/**
 * The dashboard's forgery check on the example's own API: an enqueue needs the header {@code X-Requested-By} and,
 * from a browser, the application's own origin. The API asks for no login, so anyone who reaches it may enqueue; the
 * check keeps a page of another origin from enqueueing through a visitor's browser, which may reach a server (on
 * {@code localhost}, in an intranet) that the page's author cannot. Its bodies are read as JSON whatever their
 * declared type, so without it an HTML form of {@code text/plain} could post one.
 */
@WebFilter(filterName = "example-api-same-origin", urlPatterns = "/api/*")
public class SameOriginApi extends SameOriginActions {
}
