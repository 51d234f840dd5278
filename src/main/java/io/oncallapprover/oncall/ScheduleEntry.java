package io.oncallapprover.oncall;

import java.time.Instant;
import java.util.Objects;

/**
 * One entry of a schedule's effective ("final") rota, as incident.io returns it, reduced to what the
 * on-call decision needs. The user and the email are optional upstream, so they are nullable here.
 */
public record ScheduleEntry(
        Instant startAt,
        Instant endAt,
        String fingerprint,
        String rotationId,
        String layerId,
        String userId,
        String userName,
        String email) {

    public ScheduleEntry {
        Objects.requireNonNull(startAt, "startAt");
        Objects.requireNonNull(endAt, "endAt");
    }

    /** True when the instant lies in {@code [startAt, endAt)}: a shift owns its start, not its end. */
    public boolean covers(Instant instant) {
        return !startAt.isAfter(instant) && endAt.isAfter(instant);
    }
}
