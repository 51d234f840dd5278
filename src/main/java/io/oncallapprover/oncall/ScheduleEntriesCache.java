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
import io.oncallapprover.incidentio.KeyBudgets.Priority;
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
    public record FetchedEntries(String scheduleId, Instant windowStart, Instant windowEnd, List<ScheduleEntry> entries,
            boolean known) {

        public FetchedEntries(String scheduleId, Instant windowStart, Instant windowEnd, List<ScheduleEntry> entries) {
            this(scheduleId, windowStart, windowEnd, entries, true);
        }

        boolean usableAt(Instant instant) {
            return !instant.isBefore(windowStart.minus(EARLY_TOLERANCE)) && instant.isBefore(windowEnd);
        }
    }

    record Key(String orgId, String scheduleId) {
    }

    /** One fetch of one schedule, shared by whoever waits for it. */
    static final class Fetch {

        final Instant at;
        final ApiKey key;
        final CompletableFuture<FetchedEntries> result = new CompletableFuture<>();
        final AtomicInteger waiting = new AtomicInteger();
        volatile boolean abandoned;
        volatile Instant fetchedAt;
        /** When a check last asked for this schedule: refreshed ahead only while it is asked for. */
        volatile Instant lastAsked;
        /** A refresh of these entries is under way. */
        final java.util.concurrent.atomic.AtomicBoolean refreshing = new java.util.concurrent.atomic.AtomicBoolean();

        Fetch(Instant at, ApiKey key) {
            this.at = at;
            this.key = key;
            this.lastAsked = at;
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

    @Inject
    ScheduleListCache listCache;

    private final Map<Key, Fetch> fetches = new ConcurrentHashMap<>();

    /** The final entries of a schedule around {@code at}: from the cache, or from one (shared) fetch. */
    public Uni<FetchedEntries> entries(String orgId, ApiKey key, String scheduleId, Instant at) {
        Key cacheKey = new Key(orgId, scheduleId);
        final Fetch[] started = new Fetch[1];
        Instant now = clock.instant();
        Fetch fetch = fetches.compute(cacheKey, (k, existing) -> {
            Fetch chosen = existing != null && answers(existing, at, now) ? existing : (started[0] = new Fetch(at, key));
            chosen.lastAsked = now;
            // Counted here, atomically with the choice, so the fetch cannot be abandoned before this wait begins.
            chosen.waiting.incrementAndGet();
            return chosen;
        });
        if (started[0] != null) {
            start(cacheKey, started[0], Priority.INTERACTIVE)
                    .subscribe().with(entries -> completed(started[0], entries), failure -> {
                        fetches.remove(cacheKey, started[0]); // failures are never cached
                        started[0].result.completeExceptionally(failure);
                    });
        }
        return waitFor(cacheKey, fetch);
    }

    /** Whether {@code fetch} can answer for {@code at}: in flight and still wanted, or fetched, fresh and covering it. */
    private boolean answers(Fetch fetch, Instant at, Instant now) {
        if (!fetch.result.isDone()) {
            return fetch.wanted() && !at.isBefore(fetch.at.minus(EARLY_TOLERANCE))
                    && at.isBefore(fetch.at.plus(incidentIo.entryWindow()));
        }
        if (fetch.result.isCompletedExceptionally()) {
            return false;
        }
        Instant fetchedAt = fetch.fetchedAt;
        return fetchedAt != null && now.isBefore(fetchedAt.plus(config.staleness()))
                && fetch.result.getNow(null).usableAt(at);
    }

    /** The entries of {@code fetch}'s schedule and window, from incident.io, within the check deadline. */
    private Uni<FetchedEntries> start(Key cacheKey, Fetch fetch, Priority priority) {
        if (fetches.size() > config.maxSchedules()) {
            fetches.entrySet().removeIf(e -> e.getValue().result.isDone());
        }
        Instant end = fetch.at.plus(incidentIo.entryWindow());
        return client.finalEntries(fetch.key, cacheKey.scheduleId(), fetch.at, end, fetch::wanted, priority)
                .map(entries -> new FetchedEntries(cacheKey.scheduleId(), fetch.at, end,
                        entries.stream().map(ScheduleEntriesCache::toScheduleEntry).toList()))
                // A schedule deleted in incident.io (or out of the key's reach) has nobody on call
                // for us: that can only deny, and it answers NOT_ON_CALL instead of an endless 503.
                .onFailure(e -> e instanceof IncidentIoException io && io.kind() == IncidentIoException.Kind.NOT_FOUND)
                .recoverWithItem(() -> {
                    LOG.warnf("schedule %s is unknown to incident.io: nobody counts as on call for it", cacheKey.scheduleId());
                    return new FetchedEntries(cacheKey.scheduleId(), fetch.at, end, List.of(), false);
                })
                // Its own deadline: a fetch never outlives the longest any caller may wait for it.
                .ifNoItem().after(config.deadline()).failWith(() -> IncidentIoException.of(IncidentIoException.Kind.TIMEOUT,
                        "schedule " + cacheKey.scheduleId() + ": no answer within " + config.deadline().toMillis() + " ms"));
    }

    private void completed(Fetch fetch, FetchedEntries entries) {
        fetch.fetchedAt = clock.instant();
        fetch.result.complete(entries);
    }

    /**
     * Refresh ahead: every schedule asked for within {@link OnCallConfig#refreshIdle()} whose entries
     * are older than {@code staleness - refreshAhead} is fetched again in the background (waiting for
     * the key's budget if need be), and the fresh entries replace the old ones once they are in. So
     * steady traffic never waits for incident.io. A refresh that fails changes nothing: the old
     * entries still stop answering at their staleness bound, and the next check fetches (and fails
     * closed) as without refresh. Returns how many refreshes started.
     */
    public int refreshAhead() {
        Instant now = clock.instant();
        Duration due = config.staleness().minus(config.refreshAhead());
        int started = 0;
        for (Map.Entry<Key, Fetch> e : fetches.entrySet()) {
            Fetch current = e.getValue();
            Instant fetchedAt = current.fetchedAt;
            if (fetchedAt == null || !current.result.isDone() || current.result.isCompletedExceptionally()
                    || now.isBefore(fetchedAt.plus(due)) || !now.isBefore(current.lastAsked.plus(config.refreshIdle()))
                    || !current.refreshing.compareAndSet(false, true)) {
                continue;
            }
            started++;
            Key cacheKey = e.getKey();
            Fetch fresh = new Fetch(now, current.key);
            fresh.lastAsked = current.lastAsked;
            start(cacheKey, fresh, Priority.BACKGROUND).subscribe().with(entries -> {
                completed(fresh, entries);
                fresh.lastAsked = current.lastAsked;
                // Replaces only the entries it refreshes: not ones invalidated or fetched anew meanwhile.
                fetches.replace(cacheKey, current, fresh);
                current.refreshing.set(false);
            }, failure -> {
                LOG.debugf("refresh of schedule %s failed (%s); its entries still expire on time", cacheKey.scheduleId(),
                        failure.getMessage());
                current.refreshing.set(false);
            });
        }
        return started;
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

    /**
     * Forget one schedule's entries (incident.io said it changed), and stop the organization's schedule
     * list answering for it. A fetch under way keeps answering the callers already waiting for it, but
     * no later caller joins it: they fetch anew.
     */
    public void invalidateSchedule(String orgId, String scheduleId) {
        fetches.remove(new Key(orgId, scheduleId));
        listCache.drop(orgId, scheduleId);
    }

    /** Forget everything of an organization (key rotated, integration removed), its schedule list too. */
    public Uni<Void> invalidateOrg(String orgId) {
        fetches.keySet().removeIf(k -> k.orgId().equals(orgId));
        listCache.dropOrg(orgId);
        return Uni.createFrom().voidItem();
    }

    public Uni<Void> invalidateAll() {
        fetches.clear();
        listCache.dropAll();
        return Uni.createFrom().voidItem();
    }
}
