package io.oncallapprover.queue;

import java.time.Duration;
import java.time.Instant;

import io.oncallapprover.common.Backoff;

/**
 * What a failed attempt leads to: another after a back-off, or giving up once {@code maxAttempts} were
 * made. Plain Java (no framework), so it is tested without Quarkus.
 *
 * @param firstBackoff the wait after the first failure, doubled after each further one
 * @param maxBackoff the longest wait
 * @param maxAttempts attempts counted before the row is given up
 */
public record RetryPolicy(Duration firstBackoff, Duration maxBackoff, int maxAttempts) {

    public RetryPolicy {
        if (maxAttempts < 1) {
            throw new IllegalArgumentException("at least one attempt, not " + maxAttempts);
        }
    }

    /** What follows a failed attempt. */
    public sealed interface AfterFailure {
    }

    /** Tried again at {@code at}. */
    public record RetryAt(Instant at) implements AfterFailure {
    }

    /** Given up: {@code attempts} were made. */
    public record GiveUp(int attempts) implements AfterFailure {
    }

    /**
     * Whether attempt {@code attempt} (just counted) may call. One past the maximum was counted after the
     * last allowed attempt ended without an outcome (a crash during its call): it is given up, uncalled.
     */
    public boolean mayCall(int attempt) {
        return attempt <= maxAttempts;
    }

    /**
     * After attempt {@code attempt} (1-based, counted before the call) failed at {@code now}: given up at the
     * maximum, else retried after the jittered back-off, or after {@code askedWait} when the other side asked
     * for longer (Retry-After; null when it did not). {@code random} in [0, 1) picks the jitter.
     */
    public AfterFailure afterFailure(int attempt, Instant now, Duration askedWait, double random) {
        if (attempt >= maxAttempts) {
            return new GiveUp(attempt);
        }
        Duration wait = Backoff.jittered(firstBackoff, attempt, maxBackoff, random);
        if (askedWait != null && askedWait.compareTo(wait) > 0) {
            wait = askedWait;
        }
        return new RetryAt(now.plus(wait));
    }
}
