package io.oncallapprover.common;

import java.time.Duration;
import java.util.concurrent.ThreadLocalRandom;

/**
 * The one back-off of this service, used by the incident.io client and the queues: exponential from
 * {@code first}, capped, with "equal jitter" (half fixed, half random) so that replicas retrying the
 * same failure spread out.
 */
public final class Backoff {

    private Backoff() {
    }

    /** The wait before attempt {@code attempt + 1}, after {@code attempt} failed ones (1-based). */
    public static Duration jittered(Duration first, int attempt, Duration cap) {
        return jittered(first, attempt, cap, ThreadLocalRandom.current().nextDouble());
    }

    /** As {@link #jittered(Duration, int, Duration)}, with the random part given ({@code random} in [0, 1)): testable. */
    public static Duration jittered(Duration first, int attempt, Duration cap, double random) {
        long base = first.toMillis() * (1L << Math.min(20, Math.max(0, attempt - 1)));
        long capped = Math.min(base, cap.toMillis());
        long spread = capped / 2 + 1;
        return Duration.ofMillis(capped / 2 + Math.min(spread - 1, (long) (random * spread)));
    }
}
