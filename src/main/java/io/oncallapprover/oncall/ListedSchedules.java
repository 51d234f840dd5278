package io.oncallapprover.oncall;

import java.time.Duration;
import java.time.Instant;
import java.util.Collection;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;

/**
 * One answer of incident.io's schedule list for an account: every schedule it holds, with the shifts
 * current when incident.io answered, fetched at {@code fetchedAt} (taken just before the call, so never
 * later than the instant the shifts were current at). Pure: no I/O, no framework.
 * <p>
 * The list knows who is on call at the instant it answered, not who comes next. It answers for a
 * schedule at instant {@code at} only while none of that schedule's current shifts has ended
 * ({@code at} before the earliest {@code end_at}, the {@linkplain #horizon horizon}): so a handover
 * is never missed, as whoever takes over is asked for afresh at the handover. Past its staleness bound
 * it answers for nothing; a schedule {@linkplain #drop dropped} since (incident.io said it changed) is
 * not answered from it either.
 */
public record ListedSchedules(Instant fetchedAt, Map<String, List<ScheduleEntry>> currentShifts, Set<String> dropped) {

    public ListedSchedules {
        Objects.requireNonNull(fetchedAt, "fetchedAt");
        currentShifts = Map.copyOf(currentShifts);
        dropped = Set.copyOf(dropped);
    }

    public ListedSchedules(Instant fetchedAt, Map<String, List<ScheduleEntry>> currentShifts) {
        this(fetchedAt, currentShifts, Set.of());
    }

    /** Whether incident.io listed this schedule. */
    public boolean lists(String scheduleId) {
        return currentShifts.containsKey(scheduleId);
    }

    /** Whether the list is within its staleness bound at {@code now}. */
    public boolean freshAt(Instant now, Duration staleness) {
        return now.isBefore(fetchedAt.plus(staleness));
    }

    /**
     * Whether this list may say who is on call for {@code scheduleId} at {@code at} (its clock reading
     * {@code now}): fresh, not dropped, and no current shift of the schedule ended by {@code at}. A
     * schedule it does not list is answered too: as missing (see {@link #lists}).
     */
    public boolean answers(String scheduleId, Instant at, Instant now, Duration staleness) {
        if (!freshAt(now, staleness) || dropped.contains(scheduleId)) {
            return false;
        }
        return at.isBefore(horizon(scheduleId)); // a schedule not listed has no horizon

    }

    /** {@link #answers} for each of {@code scheduleIds}. */
    public boolean answersAll(Collection<String> scheduleIds, Instant at, Instant now, Duration staleness) {
        return scheduleIds.stream().allMatch(id -> answers(id, at, now, staleness));
    }

    /**
     * The earliest end, after the fetch, of the schedule's current shifts: until then its on-call set can
     * only grow by a new start. (An end before the fetch, from a clock of incident.io's behind ours, is
     * already past: such a shift covers no instant asked.)
     */
    public Instant horizon(String scheduleId) {
        return currentShifts.getOrDefault(scheduleId, List.of()).stream().map(ScheduleEntry::endAt)
                .filter(end -> end.isAfter(fetchedAt)).min(Instant::compareTo).orElse(Instant.MAX);
    }

    /** Who is on call for a listed schedule at {@code at}, computed as from its entries. */
    public OnCallSet onCallAt(String scheduleId, Instant at) {
        return OnCallCalculator.onCallAt(scheduleId, currentShifts.getOrDefault(scheduleId, List.of()), at);
    }

    /** The same list, no longer answering for {@code scheduleId}. */
    public ListedSchedules drop(String scheduleId) {
        if (dropped.contains(scheduleId)) {
            return this;
        }
        java.util.Set<String> more = new java.util.HashSet<>(dropped);
        more.add(scheduleId);
        return new ListedSchedules(fetchedAt, currentShifts, more);
    }
}
