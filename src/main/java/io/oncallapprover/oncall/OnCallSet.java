package io.oncallapprover.oncall;

import io.oncallapprover.common.Emails;

import java.time.Instant;
import java.util.List;
import java.util.function.Predicate;

/**
 * Who is on call for one schedule at one instant. Emails in {@link #shifts()} are normalized
 * (see {@link Emails}); a person holding several layers at once has several shifts. {@code known}
 * is false for a schedule incident.io does not know (deleted, mistyped, out of the key's reach):
 * nobody is on call for it, and answers say so.
 */
public record OnCallSet(String scheduleId, Instant at, List<OnCallShift> shifts, boolean known) {

    public OnCallSet {
        // The same entry twice (an entry spanning two pages of schedule_entries, say) is one shift.
        shifts = List.copyOf(new java.util.LinkedHashSet<>(shifts));
    }

    public OnCallSet(String scheduleId, Instant at, List<OnCallShift> shifts) {
        this(scheduleId, at, shifts, true);
    }

    /** A schedule incident.io does not know: nobody on call. */
    public static OnCallSet unknown(String scheduleId, Instant at) {
        return new OnCallSet(scheduleId, at, List.of(), false);
    }

    /** The schedules among {@code sets} that incident.io does not know, in order. */
    public static List<String> unknownOf(List<OnCallSet> sets) {
        return sets.stream().filter(s -> !s.known()).map(OnCallSet::scheduleId).distinct().toList();
    }

    /** The same set with only the shifts {@code keep} accepts (a step's rotation filter). */
    public OnCallSet filtered(Predicate<OnCallShift> keep) {
        return new OnCallSet(scheduleId, at, shifts.stream().filter(keep).toList(), known);
    }

    public boolean includes(String email) {
        return !shiftsOf(email).isEmpty();
    }

    public List<OnCallShift> shiftsOf(String email) {
        String wanted = Emails.normalize(email);
        if (wanted == null) {
            return List.of();
        }
        return shifts.stream().filter(s -> s.email().equals(wanted)).toList();
    }

    public List<String> emails() {
        return shifts.stream().map(OnCallShift::email).distinct().toList();
    }
}
