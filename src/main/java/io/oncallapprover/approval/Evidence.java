package io.oncallapprover.approval;


import java.time.Instant;

import java.util.LinkedHashSet;
import java.util.List;
import java.util.Objects;
import java.util.Set;

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

    /**
     * The shifts of {@code email} in the sets of {@code scheduleIds}: what shows someone is on call for them.
     * Each shift once, in the order of the sets: a schedule named by several steps (or chosen for auto-approval
     * and named by a step) may arrive as several sets.
     */
    public static List<Evidence> shiftsOf(String email, List<String> scheduleIds, List<OnCallSet> onCallSets) {
        Set<Evidence> evidence = new LinkedHashSet<>();
        for (OnCallSet set : onCallSets) {
            if (scheduleIds.contains(set.scheduleId())) {
                set.shiftsOf(email).stream().map(Evidence::of).forEach(evidence::add);
            }
        }
        return List.copyOf(evidence);
    }

    public static Evidence of(OnCallShift shift) {
        return new Evidence(shift.scheduleId(), shift.email(), shift.shiftStart(), shift.shiftEnd(), shift.fingerprint(),
                shift.rotationId(), shift.layerId(), null, null);
    }

    /** Whether {@code other} is the same shift, whatever rule and step each counted for. */
    public boolean sameShift(Evidence other) {
        return Objects.equals(scheduleId, other.scheduleId) && Objects.equals(email, other.email)
                && Objects.equals(shiftStart, other.shiftStart) && Objects.equals(shiftEnd, other.shiftEnd)
                && Objects.equals(fingerprint, other.fingerprint) && Objects.equals(rotationId, other.rotationId)
                && Objects.equals(layerId, other.layerId);
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
