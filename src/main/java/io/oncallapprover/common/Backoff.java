package io.oncallapprover.common;

import java.time.Duration;
import java.util.concurrent.ThreadLocalRandom;

/**
 * The one back-off of this service, used by the incident.io client and the outbox: exponential from
 * {@code first}, capped, with "equal jitter" (half fixed, half random) so that replicas retrying the
 * same failure spread out.
 */
public final class Backoff {

    private Backoff() {
    }

    /** The wait before attempt {@code attempt + 1}, after {@code attempt} failed ones (1-based). */
    public static Duration jittered(Duration first, int attempt, Duration cap) {
        long base = first.toMillis() * (1L << Math.min(20, Math.max(0, attempt - 1)));
        long capped = Math.min(base, cap.toMillis());
        return Duration.ofMillis(capped / 2 + ThreadLocalRandom.current().nextLong(capped / 2 + 1));
    }
}
