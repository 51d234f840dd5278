package io.oncallapprover.oncall;

import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicInteger;

import jakarta.enterprise.context.ApplicationScoped;
import jakarta.inject.Inject;

import org.jboss.logging.Logger;

import io.oncallapprover.incidentio.IncidentIoClient;
import io.oncallapprover.incidentio.IncidentIoConfig;
import io.oncallapprover.incidentio.IncidentIoDtos.Entry;
import io.oncallapprover.incidentio.IncidentIoException;
import io.oncallapprover.common.ApiKey;
import io.smallrye.mutiny.Uni;

/**
 * Short bounded-staleness cache of a schedule's final entries, shared by concurrent checks: callers
 * asking for the same schedule at once wait on one incident.io fetch (coalescing), and failures are
 * never cached, so a check after an error asks again.
 * <p>
 * A fetch belongs to no caller: a caller that fails, times out or is cancelled stops waiting without
 * cancelling the fetch others share. Once nobody waits any more, the fetch stops before its next page.
 * An entry answers for {@link OnCallConfig#staleness()} after it was fetched, and only while "now" is
 * still inside the window it was fetched for.
 */
@ApplicationScoped
public class ScheduleEntriesCache {

    private static final Logger LOG = Logger.getLogger(ScheduleEntriesCache.class);

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

    /** One fetch of one schedule, shared by whoever waits for it. */
    static final class Fetch {

        final Instant at;
        final CompletableFuture<FetchedEntries> result = new CompletableFuture<>();
        final AtomicInteger waiting = new AtomicInteger();
        volatile boolean abandoned;
        volatile Instant fetchedAt;

        Fetch(Instant at) {
            this.at = at;
        }

        /** Whether the fetch may go on to its next page: someone still waits for it. */
        boolean wanted() {
            return !abandoned;
        }
    }

    @Inject
    IncidentIoClient client;

    @Inject
    IncidentIoConfig incidentIo;

    @Inject
    OnCallConfig config;

    @Inject
    Clock clock;

    private final Map<Key, Fetch> fetches = new ConcurrentHashMap<>();

    /** The final entries of a schedule around {@code at}: from the cache, or from one (shared) fetch. */
    public Uni<FetchedEntries> entries(String orgId, ApiKey key, String scheduleId, Instant at) {
        Key cacheKey = new Key(orgId, scheduleId);
        Fetch[] started = new Fetch[1];
        Fetch fetch = fetches.compute(cacheKey, (k, existing) -> {
            Fetch chosen = existing != null && answers(existing, at) ? existing : (started[0] = new Fetch(at));
            // Counted here, atomically with the choice, so the fetch cannot be abandoned before this wait begins.
            chosen.waiting.incrementAndGet();
            return chosen;
        });
        if (started[0] != null) {
            start(cacheKey, started[0], key);
        }
        return waitFor(cacheKey, fetch);
    }

    /** Whether {@code fetch} can answer for {@code at}: in flight and still wanted, or fetched, fresh and covering it. */
    private boolean answers(Fetch fetch, Instant at) {
        if (!fetch.result.isDone()) {
            return fetch.wanted() && !at.isBefore(fetch.at.minus(EARLY_TOLERANCE))
                    && at.isBefore(fetch.at.plus(incidentIo.entryWindow()));
        }
        if (fetch.result.isCompletedExceptionally()) {
            return false;
        }
        Instant fetchedAt = fetch.fetchedAt;
        return fetchedAt != null && clock.instant().isBefore(fetchedAt.plus(config.staleness()))
                && fetch.result.getNow(null).usableAt(at);
    }

    private void start(Key cacheKey, Fetch fetch, ApiKey key) {
        if (fetches.size() > config.maxSchedules()) {
            fetches.entrySet().removeIf(e -> e.getValue().result.isDone());
        }
        Instant end = fetch.at.plus(incidentIo.entryWindow());
        client.finalEntries(key, cacheKey.scheduleId(), fetch.at, end, fetch::wanted)
                .map(entries -> new FetchedEntries(cacheKey.scheduleId(), fetch.at, end,
                        entries.stream().map(ScheduleEntriesCache::toScheduleEntry).toList()))
                // A schedule deleted in incident.io (or out of the key's reach) has nobody on call
                // for us: that can only deny, and it answers NOT_ON_CALL instead of an endless 503.
                .onFailure(e -> e instanceof IncidentIoException io && io.kind() == IncidentIoException.Kind.NOT_FOUND)
                .recoverWithItem(() -> {
                    LOG.warnf("schedule %s is unknown to incident.io: nobody counts as on call for it", cacheKey.scheduleId());
                    return new FetchedEntries(cacheKey.scheduleId(), fetch.at, end, List.of());
                })
                // Its own deadline: a fetch never outlives the longest any caller may wait for it.
                .ifNoItem().after(config.deadline()).failWith(() -> IncidentIoException.of(IncidentIoException.Kind.TIMEOUT,
                        "schedule " + cacheKey.scheduleId() + ": no answer within " + config.deadline().toMillis() + " ms"))
                .subscribe().with(entries -> {
                    fetch.fetchedAt = clock.instant();
                    fetch.result.complete(entries);
                }, failure -> {
                    fetches.remove(cacheKey, fetch); // failures are never cached
                    fetch.result.completeExceptionally(failure);
                });
    }

    /** incident.io's wire entry as the on-call model's entry (the client speaks its own types). */
    static ScheduleEntry toScheduleEntry(Entry e) {
        return new ScheduleEntry(e.startAt(), e.endAt(), e.fingerprint(), e.rotationId(), e.layerId(),
                e.user() == null ? null : e.user().id(),
                e.user() == null ? null : e.user().name(),
                e.user() == null ? null : e.user().email());
    }

    /**
     * Waits for a fetch without owning it: cancelling this wait leaves the fetch to the others. The
     * wait was counted when the fetch was chosen; its end is counted here.
     */
    private Uni<FetchedEntries> waitFor(Key cacheKey, Fetch fetch) {
        java.util.concurrent.atomic.AtomicBoolean ended = new java.util.concurrent.atomic.AtomicBoolean();
        return Uni.createFrom().emitter(emitter -> {
            emitter.onTermination(() -> {
                if (ended.compareAndSet(false, true)) {
                    // Under the map's lock for this key, as joining is: no caller joins a fetch being abandoned.
                    fetches.compute(cacheKey, (k, current) -> {
                        if (fetch.waiting.decrementAndGet() == 0 && !fetch.result.isDone()) {
                            fetch.abandoned = true;
                            return current == fetch ? null : current;
                        }
                        return current;
                    });
                }
            });
            fetch.result.whenComplete((entries, failure) -> {
                if (failure != null) {
                    emitter.fail(failure);
                } else {
                    emitter.complete(entries);
                }
            });
        });
    }

    /** Forget everything of an organization (key rotated, integration removed). */
    public Uni<Void> invalidateOrg(String orgId) {
        fetches.keySet().removeIf(k -> k.orgId().equals(orgId));
        return Uni.createFrom().voidItem();
    }

    public Uni<Void> invalidateAll() {
        fetches.clear();
        return Uni.createFrom().voidItem();
    }
}
