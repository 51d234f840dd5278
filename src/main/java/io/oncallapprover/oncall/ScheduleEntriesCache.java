package io.oncallapprover.oncall;

import java.time.Duration;
import java.time.Instant;
import java.util.List;

import jakarta.enterprise.context.ApplicationScoped;
import jakarta.inject.Inject;

import io.oncallapprover.incidentio.IncidentIoClient;
import io.oncallapprover.incidentio.IncidentIoException;
import io.oncallapprover.incidentio.IncidentIoConfig;
import io.oncallapprover.security.ApiKey;
import io.quarkus.cache.Cache;
import io.quarkus.cache.CacheName;
import io.smallrye.mutiny.Uni;

/**
 * Short bounded-staleness cache of a schedule's final entries, shared by concurrent checks: callers
 * asking for the same schedule at once wait on one incident.io request (coalescing), and failures
 * are never cached, so a check after an error asks again. An entry is used only while "now" is still
 * inside the window it was fetched for; the cache TTL (seconds) is kept well below that window.
 */
@ApplicationScoped
public class ScheduleEntriesCache {

    private static final org.jboss.logging.Logger LOG = org.jboss.logging.Logger.getLogger(ScheduleEntriesCache.class);

    public static final String CACHE_NAME = "schedule-entries";

    /**
     * How far before its window a fetch still answers for an instant: concurrent callers share one
     * fetch started at the first caller's instant. Entries overlapping the window include every
     * shift covering such an instant except one that ended inside this gap, which can only make
     * someone look not on call (the safe side).
     */
    static final Duration EARLY_TOLERANCE = Duration.ofSeconds(1);

    /** Entries fetched for the window {@code [windowStart, windowEnd]}. */
    public record FetchedEntries(String scheduleId, Instant windowStart, Instant windowEnd, List<ScheduleEntry> entries) {

        boolean usableAt(Instant instant) {
            return !instant.isBefore(windowStart.minus(EARLY_TOLERANCE)) && instant.isBefore(windowEnd);
        }
    }

    record Key(String orgId, String scheduleId) {
    }

    @Inject
    @CacheName(CACHE_NAME)
    Cache cache;

    @Inject
    IncidentIoClient client;

    @Inject
    IncidentIoConfig config;

    /** The final entries of a schedule around {@code at}: from the cache, or from one (shared) fetch. */
    public Uni<FetchedEntries> entries(String orgId, ApiKey key, String scheduleId, Instant at) {
        Key cacheKey = new Key(orgId, scheduleId);
        return cache.<Key, FetchedEntries> getAsync(cacheKey, k -> fetch(key, scheduleId, at))
                .flatMap(fetched -> {
                    if (fetched.usableAt(at)) {
                        return Uni.createFrom().item(fetched);
                    }
                    // Fetched for another window (the clock moved on): drop it and ask again.
                    return cache.invalidate(cacheKey)
                            .chain(() -> cache.<Key, FetchedEntries> getAsync(cacheKey, k -> fetch(key, scheduleId, at)));
                });
    }

    private Uni<FetchedEntries> fetch(ApiKey key, String scheduleId, Instant start) {
        Instant end = start.plus(config.entryWindow());
        return client.finalEntries(key, scheduleId, start, end)
                .map(entries -> new FetchedEntries(scheduleId, start, end, List.copyOf(entries)))
                // A schedule deleted in incident.io (or out of the key's reach) has nobody on call
                // for us: that can only deny, and it answers NOT_ON_CALL instead of an endless 503.
                .onFailure(e -> e instanceof IncidentIoException io && io.kind() == IncidentIoException.Kind.NOT_FOUND)
                .recoverWithItem(() -> {
                    LOG.warnf("schedule %s is unknown to incident.io: nobody counts as on call for it", scheduleId);
                    return new FetchedEntries(scheduleId, start, end, List.of());
                });
    }

    /** Forget everything of an organization (key rotated, integration removed). */
    public Uni<Void> invalidateOrg(String orgId) {
        return cache.invalidateIf(k -> k instanceof Key key && key.orgId().equals(orgId));
    }

    public Uni<Void> invalidateAll() {
        return cache.invalidateAll();
    }
}
