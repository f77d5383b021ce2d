package dev.apiary.spi;

import java.util.concurrent.ThreadLocalRandom;
import java.util.UUID;
import java.util.concurrent.atomic.AtomicLong;

/**
 * Job ids for storages: UUIDv7 (RFC 9562) strings. The first 48 bits are the Unix time in milliseconds and the next 12 a counter
 * within that millisecond, so ids made by one process sort in the order they were made, and ids from different
 * processes sort by time. The random tail needs uniqueness, not secrecy, so it comes from {@link ThreadLocalRandom}.
 */
public final class JobIds {

    /** Millisecond in the high bits, sequence in the low 12: one atomic for both keeps ids monotonic. */
    private static final AtomicLong LAST = new AtomicLong();

    private JobIds() {
    }

    public static String next() {
        long now = System.currentTimeMillis() << 12;
        long stamp = LAST.updateAndGet(prev -> Math.max(prev + 1, now));
        long millis = stamp >>> 12;
        long seq = stamp & 0xFFF;
        long msb = (millis << 16) | 0x7000L | seq;
        long lsb = (ThreadLocalRandom.current().nextLong() & 0x3FFFFFFFFFFFFFFFL) | 0x8000000000000000L;
        return new UUID(msb, lsb).toString();
    }
}
