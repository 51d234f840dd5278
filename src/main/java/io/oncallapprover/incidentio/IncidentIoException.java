package io.oncallapprover.incidentio;

import java.time.Duration;
import java.util.Optional;

/**
 * A failed call to incident.io, classified. Messages never contain the API key or request headers.
 */
public class IncidentIoException extends RuntimeException {

    public enum Kind {
        /** 401: the key is not valid (any more). */
        UNAUTHORIZED,
        /** 403: the key lacks a permission. */
        FORBIDDEN,
        NOT_FOUND,
        /** 422 and other 4xx: our request was refused. */
        REJECTED,
        RATE_LIMITED,
        SERVER_ERROR,
        TIMEOUT,
        NETWORK,
        /** 2xx with a body we cannot use. */
        MALFORMED,
        /** Not asked: incident.io is known to be down for this key (its circuit breaker is open). */
        UNAVAILABLE,
        /** Not asked: the key's own budget of calls (rate or concurrency) is spent for now; see KeyBudgets. */
        BUDGET_SPENT,
        /** A shared fetch stopped because nobody waits for it any more; never reaches a caller. */
        ABANDONED;

        boolean retryable() {
            return this == RATE_LIMITED || this == SERVER_ERROR || this == TIMEOUT || this == NETWORK;
        }
    }

    private final Kind kind;
    private final int status;
    private final Duration retryAfter;
    private final String requestId;

    public IncidentIoException(Kind kind, int status, String message, Duration retryAfter, String requestId,
            Throwable cause) {
        super(message, cause, false, false);
        this.kind = kind;
        this.status = status;
        this.retryAfter = retryAfter;
        this.requestId = requestId;
    }

    public static IncidentIoException of(Kind kind, String message) {
        return new IncidentIoException(kind, 0, message, null, null, null);
    }

    public Kind kind() {
        return kind;
    }

    /** The HTTP status incident.io answered, 0 when no answer came. */
    public int status() {
        return status;
    }

    /** How long incident.io asked us to wait, when it said so. */
    public Optional<Duration> retryAfter() {
        return Optional.ofNullable(retryAfter);
    }

    public Optional<String> requestId() {
        return Optional.ofNullable(requestId);
    }

    public boolean retryable() {
        return kind.retryable();
    }

    IncidentIoException withMessagePrefix(String operation) {
        return new IncidentIoException(kind, status, operation + ": " + getMessage(), retryAfter, requestId, getCause());
    }
}
