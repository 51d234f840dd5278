package io.oncallapprover.oncall;

import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.List;

import jakarta.enterprise.context.ApplicationScoped;
import jakarta.inject.Inject;

import io.oncallapprover.common.CallerContext;
import io.oncallapprover.common.RequestDeadline;
import io.oncallapprover.incidentio.IncidentIoException;
import io.oncallapprover.common.ApiKey;
import io.smallrye.mutiny.Uni;

/**
 * Who is on call now, for several schedules at once, then the pure {@link OnCallCalculator}: from the
 * account's schedule list ({@link ScheduleListCache}, one call for every schedule) or, for schedules
 * the list does not hold and with {@code oncall.on-call.source=entries}, from each schedule's entries
 * in one concurrent round (never one schedule after another). Any schedule that cannot be read fails
 * the whole answer, so callers fail closed; and the answer comes within the request's deadline
 * ({@link OnCallConfig#deadline()}), whatever incident.io does. Giving up never cancels a fetch another
 * caller shares.
 */
@ApplicationScoped
public class OnCallService {

    /** Retry-After of a deadline overrun: incident.io is slow, not necessarily down. */
    static final Duration DEADLINE_RETRY_AFTER = Duration.ofSeconds(2);

    @Inject
    ScheduleEntriesCache entriesCache;

    @Inject
    OnCallConfig config;

    @Inject
    Clock clock;

    @Inject
    ScheduleListCache listCache;

    public Uni<List<OnCallSet>> onCallNow(String orgId, ApiKey key, List<String> scheduleIds) {
        if (scheduleIds.isEmpty()) {
            return Uni.createFrom().item(List.of());
        }
        Instant now = clock.instant();
        Duration deadline = RequestDeadline.remaining(config.deadline());
        List<String> ids = scheduleIds.stream().distinct().toList();
        Uni<List<OnCallSet>> sets = config.source() == OnCallConfig.Source.LIST ? fromList(orgId, key, ids, now)
                : fromEntries(orgId, key, ids, now);
        return sets
                .ifNoItem().after(deadline.isZero() ? Duration.ofMillis(1) : deadline)
                .failWith(() -> new IncidentIoException(IncidentIoException.Kind.TIMEOUT, 0,
                        "incident.io did not answer within the " + config.deadline().toMillis() + " ms deadline",
                        DEADLINE_RETRY_AFTER, null, null))
                .onFailure(CompositeFailures::isComposite).transform(CompositeFailures::first)
                .plug(CallerContext.resumeOnCaller());
    }

    /** Each schedule from its own entries, all at once; the first failure fails the whole check (fail closed). */
    private Uni<List<OnCallSet>> fromEntries(String orgId, ApiKey key, List<String> ids, Instant now) {
        List<Uni<OnCallSet>> perSchedule = ids.stream()
                .map(id -> entriesCache.entries(orgId, key, id, now)
                        .map(fetched -> fetched.known() ? OnCallCalculator.onCallAt(id, fetched.entries(), now)
                                : OnCallSet.unknown(id, now)))
                .toList();
        return Uni.join().all(perSchedule).andFailFast();
    }

    /**
     * Every schedule the account's list holds from the list (held, or fetched anew when the held one
     * cannot answer for now: stale, past a handover, or a schedule changed since); a schedule the list
     * does not hold from its entries, as before (unknown when incident.io does not know it).
     */
    private Uni<List<OnCallSet>> fromList(String orgId, ApiKey key, List<String> ids, Instant now) {
        return listCache.listing(orgId, key, now,
                held -> held.shifts().answersAll(ids, now, clock.instant(), config.staleness()))
                .flatMap(listing -> {
                    ListedSchedules listed = listing.shifts();
                    List<String> missing = ids.stream().filter(id -> !listed.lists(id)).toList();
                    Uni<List<OnCallSet>> others = missing.isEmpty() ? Uni.createFrom().item(List.of())
                            : fromEntries(orgId, key, missing, now);
                    return others.map(fromEntries -> {
                        java.util.Map<String, OnCallSet> byId = new java.util.HashMap<>();
                        fromEntries.forEach(set -> byId.put(set.scheduleId(), set));
                        return ids.stream().map(id -> listed.lists(id) ? listed.onCallAt(id, now) : byId.get(id)).toList();
                    });
                });
    }
}
