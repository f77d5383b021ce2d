package dev.apiary.spi;

import java.time.Instant;

/**
 * The last progress a running job reported through {@link dev.apiary.JobProgress}.
 *
 * @param percent 0 to 100
 * @param message a short text, or {@code null}
 * @param at      when it was stored
 */
public record Progress(int percent, String message, Instant at) {
}
