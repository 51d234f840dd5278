package io.oncallapprover.problem;

import java.time.Duration;
import java.util.Map;

import io.oncallapprover.incidentio.IncidentIoException;

/** How an incident.io failure is told to our caller: 503, retryable, nothing approved. */
public final class Upstream {

    /** Retry-After we give when incident.io did not name one. */
    public static final Duration DEFAULT_RETRY_AFTER = Duration.ofSeconds(5);

    private Upstream() {
    }

    public static Duration retryAfter(IncidentIoException e) {
        return e.retryAfter().filter(d -> !d.isZero()).orElse(DEFAULT_RETRY_AFTER);
    }

    public static ApiException unavailable(IncidentIoException e) {
        return unavailable(e, Map.of());
    }

    public static ApiException unavailable(IncidentIoException e, Map<String, Object> extensions) {
        return unavailable(e.kind().name().toLowerCase().replace('_', ' '), retryAfter(e), extensions);
    }

    /** The 503 of a failure already classified: {@code why} in a few words, and when to retry. */
    public static ApiException unavailable(String why, Duration retryAfter, Map<String, Object> extensions) {
        return new ApiException(503, ProblemCode.UPSTREAM_UNAVAILABLE,
                "incident.io could not be asked (" + why + "); nothing was approved. Retry later.",
                java.util.List.of(), retryAfter == null ? DEFAULT_RETRY_AFTER : retryAfter, extensions);
    }
}
