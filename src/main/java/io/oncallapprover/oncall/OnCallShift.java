package io.oncallapprover.oncall;

import java.time.Instant;

/**
 * Evidence that a person holds a shift of a schedule: who, which schedule, from when to when, and
 * the rotation and layer of the entry (null for an entry without one, such as an override).
 */
public record OnCallShift(
        String scheduleId,
        String email,
        String userName,
        Instant shiftStart,
        Instant shiftEnd,
        String fingerprint,
        String rotationId,
        String layerId) {

    public OnCallShift(String scheduleId, String email, String userName, Instant shiftStart, Instant shiftEnd,
            String fingerprint) {
        this(scheduleId, email, userName, shiftStart, shiftEnd, fingerprint, null, null);
    }
}
