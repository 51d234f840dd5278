package io.oncallapprover.oncall;

import io.oncallapprover.common.Emails;

import java.time.Instant;
import java.util.ArrayList;
import java.util.Collection;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Pure on-call computation: the {@code final} entries of a schedule plus an instant give the on-call
 * set. No I/O, no framework: everything about "who is on call" that can be got wrong lives here.
 */
public final class OnCallCalculator {

    private OnCallCalculator() {
    }

    /**
     * Keeps the entries whose {@code [start_at, end_at)} contains {@code at} and that name a user with
     * an email; entries without a user or an email are skipped, never an error. Entries may overlap the
     * fetch window and each other (layers, rotations, overrides already merged into {@code final}).
     * The same shift seen twice (e.g. repeated across pages) counts once; each shift keeps its entry's
     * rotation and layer.
     */
    public static OnCallSet onCallAt(String scheduleId, Collection<ScheduleEntry> finalEntries, Instant at) {
        Map<String, OnCallShift> unique = new LinkedHashMap<>();
        for (ScheduleEntry entry : finalEntries) {
            if (entry == null || !entry.covers(at)) {
                continue;
            }
            String email = Emails.normalize(entry.email());
            if (email == null) {
                continue;
            }
            OnCallShift shift = new OnCallShift(scheduleId, email, entry.userName(), entry.startAt(), entry.endAt(),
                    entry.fingerprint(), entry.rotationId(), entry.layerId(), entry.userId());
            // The rotation and layer are part of the shift: a step's filter may count one and not the other.
            unique.putIfAbsent(email + '|' + entry.startAt() + '|' + entry.endAt() + '|' + entry.fingerprint() + '|'
                    + entry.rotationId() + '|' + entry.layerId(), shift);
        }
        List<OnCallShift> shifts = new ArrayList<>(unique.values());
        shifts.sort(Comparator.comparing(OnCallShift::email).thenComparing(OnCallShift::shiftStart));
        return new OnCallSet(scheduleId, at, shifts);
    }
}
