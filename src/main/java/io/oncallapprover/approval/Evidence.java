package io.oncallapprover.approval;


import java.time.Instant;

import java.util.ArrayList;
import java.util.List;

import io.oncallapprover.oncall.OnCallSet;
import io.oncallapprover.oncall.OnCallShift;

/**
 * A shift that supports (or would have supported) a decision, the rotation and layer of its entry
 * (null when it has none, as an override), and the policy rule and step (index in the rule's
 * {@code approval} list) it counted for; rule and step are null where no rule is involved (a check
 * by schedule ids).
 */
public record Evidence(String scheduleId, String email, Instant shiftStart, Instant shiftEnd, String fingerprint,
        String rotationId, String layerId, String rule, Integer step) {

    public Evidence(String scheduleId, String email, Instant shiftStart, Instant shiftEnd, String fingerprint) {
        this(scheduleId, email, shiftStart, shiftEnd, fingerprint, null, null, null, null);
    }

    /** The shifts of {@code email} in the sets of {@code scheduleIds}: what shows someone is on call for them. */
    public static List<Evidence> shiftsOf(String email, List<String> scheduleIds, List<OnCallSet> onCallSets) {
        List<Evidence> evidence = new ArrayList<>();
        for (OnCallSet set : onCallSets) {
            if (scheduleIds.contains(set.scheduleId())) {
                set.shiftsOf(email).stream().map(Evidence::of).forEach(evidence::add);
            }
        }
        return evidence;
    }

    public static Evidence of(OnCallShift shift) {
        return new Evidence(shift.scheduleId(), shift.email(), shift.shiftStart(), shift.shiftEnd(), shift.fingerprint(),
                shift.rotationId(), shift.layerId(), null, null);
    }

    /** The same shift, counted for {@code rule}'s step {@code step}. */
    public Evidence forStep(String rule, int step) {
        return new Evidence(scheduleId, email, shiftStart, shiftEnd, fingerprint, rotationId, layerId, rule, step);
    }

    /** What an explanation adds about schedules incident.io does not know. */
    static String unknownNote(java.util.List<String> unknown) {
        return " incident.io does not know schedule(s) " + String.join(", ", unknown)
                + "; nobody counts as on call for them (check the schedule ids).";
    }
}
