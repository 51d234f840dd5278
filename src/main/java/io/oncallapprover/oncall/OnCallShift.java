package io.oncallapprover.oncall;

import java.time.Instant;

/** Evidence that a person holds a shift of a schedule: who, which schedule, from when to when. */
public record OnCallShift(
        String scheduleId,
        String email,
        String userName,
        Instant shiftStart,
        Instant shiftEnd,
        String fingerprint) {
}
