package dev.apiary.examples.war.reminder;

/** A reminder to send later: the payload of the {@code reminder} queue (enqueue it with {@code delaySeconds}). */
public record Reminder(String to, String text) {

    public static String problem(Reminder reminder) {
        if (reminder.to() == null || reminder.to().isBlank()) {
            return "'to' must not be empty";
        }
        if (reminder.text() == null || reminder.text().isBlank()) {
            return "'text' must not be empty";
        }
        return null;
    }
}
