package dev.apiary.spi;

import java.time.Instant;

/**
 * How many jobs of a queue ended in one minute, by final status.
 *
 * @param minute the start of the minute (UTC, seconds zero)
 * @param killed jobs killed or cancelled
 */
public record Throughput(Instant minute, long done, long failed, long killed) {
}
