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
 * Who is on call now, for several schedules at once: one concurrent round of incident.io calls
 * (never one schedule after another), then the pure {@link OnCallCalculator}. Any schedule that
 * cannot be read fails the whole answer, so callers fail closed; and the answer comes within the
 * request's deadline ({@link OnCallConfig#deadline()}), whatever incident.io does. Giving up never
 * cancels a fetch another caller shares (see {@link ScheduleEntriesCache}).
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

    public Uni<List<OnCallSet>> onCallNow(String orgId, ApiKey key, List<String> scheduleIds) {
        if (scheduleIds.isEmpty()) {
            return Uni.createFrom().item(List.of());
        }
        Instant now = clock.instant();
        Duration deadline = RequestDeadline.remaining(config.deadline());
        List<Uni<OnCallSet>> perSchedule = scheduleIds.stream()
                .distinct()
                .map(id -> entriesCache.entries(orgId, key, id, now)
                        .map(fetched -> fetched.known() ? OnCallCalculator.onCallAt(id, fetched.entries(), now)
                                : OnCallSet.unknown(id, now)))
                .toList();
        // All at once; the first failure fails the whole check (fail closed).
        return Uni.join().all(perSchedule).andFailFast()
                .ifNoItem().after(deadline.isZero() ? Duration.ofMillis(1) : deadline)
                .failWith(() -> new IncidentIoException(IncidentIoException.Kind.TIMEOUT, 0,
                        "incident.io did not answer within the " + config.deadline().toMillis() + " ms deadline",
                        DEADLINE_RETRY_AFTER, null, null))
                .onFailure(CompositeFailures::isComposite).transform(CompositeFailures::first)
                .plug(CallerContext.resumeOnCaller());
    }
}
