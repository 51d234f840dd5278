package io.oncallapprover.approval;

import java.time.Instant;

import io.oncallapprover.oncall.OnCallShift;

/** A shift that supports (or would have supported) a decision. */
public record Evidence(String scheduleId, String email, Instant shiftStart, Instant shiftEnd, String fingerprint) {

    public static Evidence of(OnCallShift shift) {
        return new Evidence(shift.scheduleId(), shift.email(), shift.shiftStart(), shift.shiftEnd(), shift.fingerprint());
    }
}
