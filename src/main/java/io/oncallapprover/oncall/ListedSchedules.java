package io.oncallapprover.oncall;

import java.time.Duration;
import java.time.Instant;
import java.util.Collection;
import java.util.HashMap;
import java.util.HashSet;
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
 * <p>
 * Between the latest start of a schedule's current shifts (or the fetch, if later) and its horizon,
 * every current shift covers every instant: the on-call set is the same one, computed once per list
 * (checks over a thousand schedules then cost lookups, not a thousand computations).
 */
public final class ListedSchedules {

    private final Instant fetchedAt;
    private final Map<String, List<ScheduleEntry>> currentShifts;
    private final Set<String> dropped;
    private final Map<String, Instant> horizons = new HashMap<>();
    private final Map<String, Instant> stableFrom = new HashMap<>();
    private final Map<String, OnCallSet> stableSets = new HashMap<>();

    public ListedSchedules(Instant fetchedAt, Map<String, List<ScheduleEntry>> currentShifts, Set<String> dropped) {
        this.fetchedAt = Objects.requireNonNull(fetchedAt, "fetchedAt");
        this.currentShifts = Map.copyOf(currentShifts);
        this.dropped = Set.copyOf(dropped);
        this.currentShifts.forEach((id, shifts) -> {
            Instant horizon = Instant.MAX;
            Instant from = fetchedAt;
            for (ScheduleEntry e : shifts) {
                // An end before the fetch (incident.io's clock behind ours) is already past: it bounds nothing.
                if (e.endAt().isAfter(fetchedAt) && e.endAt().isBefore(horizon)) {
                    horizon = e.endAt();
                }
                if (e.startAt().isAfter(from)) {
                    from = e.startAt();
                }
            }
            horizons.put(id, horizon);
            stableFrom.put(id, from);
            stableSets.put(id, OnCallCalculator.onCallAt(id, shifts, from)); // used only within [from, horizon)
        });
    }

    public ListedSchedules(Instant fetchedAt, Map<String, List<ScheduleEntry>> currentShifts) {
        this(fetchedAt, currentShifts, Set.of());
    }

    /** {@code source} with other dropped schedules: what was computed of the shifts is shared, not done again. */
    private ListedSchedules(ListedSchedules source, Set<String> dropped) {
        this.fetchedAt = source.fetchedAt;
        this.currentShifts = source.currentShifts;
        this.dropped = Set.copyOf(dropped);
        this.horizons.putAll(source.horizons);
        this.stableFrom.putAll(source.stableFrom);
        this.stableSets.putAll(source.stableSets);
    }

    public Instant fetchedAt() {
        return fetchedAt;
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
        for (String id : scheduleIds) {
            if (!answers(id, at, now, staleness)) {
                return false;
            }
        }
        return true;
    }

    /**
     * The earliest end, after the fetch, of the schedule's current shifts (none for a schedule not
     * listed): until then its on-call set can only grow by a new start.
     */
    public Instant horizon(String scheduleId) {
        return horizons.getOrDefault(scheduleId, Instant.MAX);
    }

    /** Who is on call for a listed schedule at {@code at}, computed as from its entries. */
    public OnCallSet onCallAt(String scheduleId, Instant at) {
        OnCallSet stable = stableSets.get(scheduleId);
        if (stable != null && !at.isBefore(stableFrom.get(scheduleId)) && at.isBefore(horizon(scheduleId))) {
            return new OnCallSet(scheduleId, at, stable.shifts(), true);
        }
        return OnCallCalculator.onCallAt(scheduleId, currentShifts.getOrDefault(scheduleId, List.of()), at);
    }

    /** The same list, no longer answering for {@code scheduleId}. */
    public ListedSchedules drop(String scheduleId) {
        if (dropped.contains(scheduleId)) {
            return this;
        }
        Set<String> more = new HashSet<>(dropped);
        more.add(scheduleId);
        return new ListedSchedules(this, more);
    }
}
