package io.oncallapprover.oncall;

import java.time.Clock;
import java.time.Instant;
import java.util.List;

import jakarta.enterprise.context.ApplicationScoped;
import jakarta.inject.Inject;

import io.oncallapprover.common.CallerContext;
import io.oncallapprover.security.ApiKey;
import io.smallrye.mutiny.Uni;

/**
 * Who is on call now, for several schedules at once: one concurrent round of incident.io calls
 * (never one schedule after another), then the pure {@link OnCallCalculator}. Any schedule that
 * cannot be read fails the whole answer, so callers fail closed.
 */
@ApplicationScoped
public class OnCallService {

    @Inject
    ScheduleEntriesCache entriesCache;

    @Inject
    Clock clock;

    public Uni<List<OnCallSet>> onCallNow(String orgId, ApiKey key, List<String> scheduleIds) {
        if (scheduleIds.isEmpty()) {
            return Uni.createFrom().item(List.of());
        }
        Instant now = clock.instant();
        List<Uni<OnCallSet>> perSchedule = scheduleIds.stream()
                .distinct()
                .map(id -> entriesCache.entries(orgId, key, id, now)
                        .map(fetched -> OnCallCalculator.onCallAt(id, fetched.entries(), now)))
                .toList();
        // All at once; the first failure fails the whole check (fail closed).
        return Uni.join().all(perSchedule).andFailFast().plug(CallerContext.resumeOnCaller());
    }
}
