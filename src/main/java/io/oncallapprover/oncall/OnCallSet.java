package io.oncallapprover.oncall;

import io.oncallapprover.common.Emails;

import java.time.Instant;
import java.util.List;

/**
 * Who is on call for one schedule at one instant. Emails in {@link #shifts()} are normalized
 * (see {@link Emails}); a person holding several layers at once has several shifts.
 */
public record OnCallSet(String scheduleId, Instant at, List<OnCallShift> shifts) {

    public OnCallSet {
        shifts = List.copyOf(shifts);
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
