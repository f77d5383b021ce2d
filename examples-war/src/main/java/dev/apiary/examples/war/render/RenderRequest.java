package dev.apiary.examples.war.render;

/**
 * A page to render: the payload of the {@code render} queue.
 *
 * @param millis how long rendering takes
 */
public record RenderRequest(String page, Integer millis) {

    public static String problem(RenderRequest request) {
        if (request.page() == null || request.page().isBlank()) {
            return "'page' must not be empty";
        }
        if (request.millis() == null || request.millis() < 0 || request.millis() > 60_000) {
            return "'millis' must be between 0 and 60000, was " + request.millis();
        }
        return null;
    }
}
