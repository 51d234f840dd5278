package io.oncallapprover.idempotency;

import java.time.Duration;
import java.time.Instant;

/**
 * The decision rules of {@code Idempotency-Key}, plain Java: what a request under a key that is
 * already stored gets, and which answers are kept. The store and the HTTP layer only carry them out.
 */
public final class IdempotencyRules {

    private IdempotencyRules() {
    }

    /** Where a stored key is: its write still running (under a lease), or answered. */
    public enum State {
        IN_PROGRESS, DONE
    }

    /** A key as it is stored: its state, the fingerprint of its first request, when it was first seen, its lease. */
    public record Seen(State state, String fingerprint, Instant createdAt, Instant lockedUntil) {
    }

    /** What a request under a key gets. */
    public enum Outcome {
        /** The key is free (never seen, forgotten, or left by a write whose lease lapsed): take it and run the write. */
        RUN,
        /** The same request was answered: send that answer again, change nothing. */
        REPLAY,
        /** The key was used for another request (body, method or path): 422 IDEMPOTENCY_KEY_REUSED. */
        REUSED,
        /** The same request is running now, under a live lease: wait for its answer (bounded), then 409. */
        WAIT
    }

    /**
     * What a request of {@code fingerprint} gets at {@code now} under a key stored as {@code seen}
     * ({@code null}: not stored). A key older than the retention is forgotten even before the
     * cleanup deletes it; a fingerprint that differs is refused before the state is looked at, so a
     * reuse is told apart from a repeat whether or not the first request is done.
     */
    public static Outcome decide(Seen seen, String fingerprint, Instant now, Duration retention) {
        if (seen == null || expired(seen.createdAt(), now, retention)) {
            return Outcome.RUN;
        }
        if (!seen.fingerprint().equals(fingerprint)) {
            return Outcome.REUSED;
        }
        if (seen.state() == State.DONE) {
            return Outcome.REPLAY;
        }
        return now.isBefore(seen.lockedUntil()) ? Outcome.WAIT : Outcome.RUN;
    }

    /** Whether a key first seen at {@code createdAt} is forgotten at {@code now}. */
    public static boolean expired(Instant createdAt, Instant now, Duration retention) {
        return !now.isBefore(createdAt.plus(retention));
    }

    /**
     * Whether an answer of {@code status} is kept and replayed. Successes are, and refusals that the
     * same request would meet again (a refused decision is refused the same way); not 408, 409 and
     * 429, which say "try again", nor a 5xx: after those nothing is kept and a retry runs the write.
     */
    public static boolean keeps(int status) {
        if (status >= 200 && status < 300) {
            return true;
        }
        return status >= 400 && status < 500 && status != 408 && status != 409 && status != 429;
    }
}
