package dev.apiary.examples.war.mail;

/** An e-mail to send: the payload of the {@code email} queue. */
public record Email(String to, String subject, String body) {

    /** What keeps this e-mail from being sent, or {@code null}. */
    public static String problem(Email email) {
        if (email.to() == null || !email.to().contains("@")) {
            return "'to' must be an e-mail address, was " + email.to();
        }
        if (email.subject() == null || email.subject().isBlank()) {
            return "'subject' must not be empty";
        }
        return null;
    }
}
