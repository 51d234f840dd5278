package io.oncallapprover.oncall;

import java.time.Instant;

/**
 * Evidence that a person holds a shift of a schedule: who, which schedule, from when to when, and
 * the rotation and layer of the entry (null for an entry without one, such as an override), and the
 * person's incident.io user id (to page them; null if incident.io did not send it).
 */
public record OnCallShift(
        String scheduleId,
        String email,
        String userName,
        Instant shiftStart,
        Instant shiftEnd,
        String fingerprint,
        String rotationId,
        String layerId,
        String userId) {

    /** Without the incident.io user id (only paging needs it). */
    public OnCallShift(String scheduleId, String email, String userName, Instant shiftStart, Instant shiftEnd,
            String fingerprint, String rotationId, String layerId) {
        this(scheduleId, email, userName, shiftStart, shiftEnd, fingerprint, rotationId, layerId, null);
    }

    public OnCallShift(String scheduleId, String email, String userName, Instant shiftStart, Instant shiftEnd,
            String fingerprint) {
        this(scheduleId, email, userName, shiftStart, shiftEnd, fingerprint, null, null);
    }
}
