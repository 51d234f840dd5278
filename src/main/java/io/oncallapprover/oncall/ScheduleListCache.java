package io.oncallapprover.oncall;

import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.function.Predicate;

import jakarta.enterprise.context.ApplicationScoped;
import jakarta.inject.Inject;

import org.jboss.logging.Logger;

import io.oncallapprover.common.ApiKey;
import io.oncallapprover.incidentio.IncidentIoClient;
import io.oncallapprover.incidentio.IncidentIoDtos.Entry;
import io.oncallapprover.incidentio.IncidentIoDtos.Schedule;
import io.oncallapprover.incidentio.KeyBudgets.Priority;
import io.smallrye.mutiny.Uni;

/**
 * incident.io's schedule list of each organization's account ({@code GET /v2/schedules}, up to 10,000 a
 * page): every schedule with its configuration and its current shifts, in one call whatever the number
 * of schedules. It answers "who is on call now" ({@link ListedSchedules}) and "which schedules,
 * rotations and layers exist" (admin writes). Callers asking at once share one fetch; a fetch is never
 * cancelled by a caller giving up (it fills the cache for the next); failures are never cached. Lists
 * asked for recently are fetched again in the background before their staleness bound
 * ({@link #refreshAhead}), so steady checks cost one call per organization per refresh, not one per
 * schedule.
 */
@ApplicationScoped
public class ScheduleListCache {

    private static final Logger LOG = Logger.getLogger(ScheduleListCache.class);

    /** A fetched list: the shifts (for on-call answers) and the schedules as incident.io sent them (configuration). */
    public record Listing(ListedSchedules shifts, Map<String, Schedule> schedules) {

        Listing dropping(String scheduleId) {
            return new Listing(shifts.drop(scheduleId), schedules);
        }
    }

    /** One organization's list under one key. */
    private static final class Slot {
        final ApiKey key;
        volatile Listing current;
        /** The fetch under way and the instant it was sent (null when none). */
        volatile CompletableFuture<Listing> inFlight;
        volatile Instant inFlightSentAt;
        volatile long inFlightStartedNanos;
        volatile Instant lastAsked;
        final AtomicBoolean refreshing = new AtomicBoolean();
        /** When incident.io last said each schedule changed: a list sent before that does not answer for it. */
        final Map<String, Instant> changedAt = new HashMap<>();

        Slot(ApiKey key, Instant now) {
            this.key = key;
            this.lastAsked = now;
        }
    }

    private record SlotKey(String orgId, ApiKey key) {
    }

    @Inject
    IncidentIoClient client;

    @Inject
    OnCallConfig config;

    @Inject
    Clock clock;

    private final Map<SlotKey, Slot> slots = new ConcurrentHashMap<>();

    /**
     * The organization's list: the one held when {@code enough} accepts it and it is fresh; else the fetch
     * under way, joined (concurrent callers share one call, even when they arrive after it was sent), if
     * {@code enough} accepts what it brings; else one fetched at or after {@code notBefore}.
     */
    public Uni<Listing> listing(String orgId, ApiKey key, Instant notBefore, Predicate<Listing> enough) {
        Instant now = clock.instant();
        Slot slot = slot(orgId, key, now);
        slot.lastAsked = now;
        Listing held = slot.current;
        if (held != null && held.shifts().freshAt(now, config.staleness()) && enough.test(held)) {
            return Uni.createFrom().item(held);
        }
        return waitFor(fetch(slot, Instant.MIN, Long.MIN_VALUE, Priority.INTERACTIVE))
                .flatMap(joined -> enough.test(joined) || !joined.shifts().fetchedAt().isBefore(notBefore)
                        ? Uni.createFrom().item(joined)
                        : waitFor(fetch(slot, notBefore, Long.MIN_VALUE, Priority.INTERACTIVE)));
    }

    /**
     * A list asked of incident.io after this call (admin writes validate against what incident.io holds
     * now): never the one held, and a fetch under way only if it was sent after this call began. It does
     * not count as the organization asking: admin writes alone keep no list refreshed.
     */
    public Uni<Listing> fresh(String orgId, ApiKey key) {
        long called = System.nanoTime();
        Instant now = clock.instant();
        return waitFor(fetch(slot(orgId, key, Instant.EPOCH), now, called, Priority.INTERACTIVE));
    }

    /**
     * Starts fetching the organization's list when a check will soon want it and none is held fresh or
     * under way: a caller that has just read the key from the database gets the call going while it
     * reads the rest (the policy), instead of one after the other. The caller then joins this fetch
     * through {@link #listing}. It does not count as the organization asking (no refresh ahead on its
     * own), and it is a no-op when on-call answers do not come from the list.
     */
    public void warm(String orgId, ApiKey key) {
        if (config.source() != OnCallConfig.Source.LIST) {
            return;
        }
        Instant now = clock.instant();
        Slot slot = slot(orgId, key, Instant.EPOCH);
        Listing held = slot.current;
        if (held != null && held.shifts().freshAt(now, config.staleness())) {
            return;
        }
        // Joins a fetch under way, else sends one; its failure is the joining caller's to report.
        fetch(slot, Instant.MIN, Long.MIN_VALUE, Priority.INTERACTIVE).whenComplete((listing, failure) -> {
            if (failure != null) {
                LOG.debugf("warming a schedule list failed (%s); the check that wants it fetches again", failure.getMessage());
            }
        });
    }

    /**
     * Joins the fetch under way when it was sent at or after {@code notBefore} (and started, on the
     * monotonic clock, at or after {@code notBeforeNanos}), else sends one.
     */
    private CompletableFuture<Listing> fetch(Slot slot, Instant notBefore, long notBeforeNanos, Priority priority) {
        synchronized (slot) {
            CompletableFuture<Listing> running = slot.inFlight;
            if (running != null && !running.isDone() && !slot.inFlightSentAt.isBefore(notBefore)
                    && (notBeforeNanos == Long.MIN_VALUE || slot.inFlightStartedNanos - notBeforeNanos >= 0)) {
                return running;
            }
            CompletableFuture<Listing> started = new CompletableFuture<>();
            Instant sentAt = clock.instant();
            slot.inFlight = started;
            slot.inFlightSentAt = sentAt;
            slot.inFlightStartedNanos = System.nanoTime();
            Uni<List<Schedule>> call = client.allSchedules(slot.key, priority);
            // A caller waits at most its deadline; a refresh in the background may wait for the key's budget.
            (priority == Priority.INTERACTIVE ? call.ifNoItem().after(config.deadline()).fail() : call)
                    .map(schedules -> listingOf(sentAt, schedules))
                    .subscribe().with(listing -> started.complete(install(slot, listing)), started::completeExceptionally);
            return started;
        }
    }

    /**
     * Keeps the newest list (a slower fetch sent earlier never replaces a later one), less the schedules
     * incident.io said changed after it was sent.
     */
    private Listing install(Slot slot, Listing fetched) {
        synchronized (slot) {
            Listing listing = fetched;
            Instant sent = fetched.shifts().fetchedAt();
            slot.changedAt.values().removeIf(at -> at.plus(config.staleness()).isBefore(sent));
            for (Map.Entry<String, Instant> change : slot.changedAt.entrySet()) {
                if (sent.isBefore(change.getValue())) {
                    listing = listing.dropping(change.getKey());
                }
            }
            Listing held = slot.current;
            if (held == null || !held.shifts().fetchedAt().isAfter(sent)) {
                // Only the shifts are kept: the schedules' configuration serves the writes that fetched it.
                slot.current = new Listing(listing.shifts(), Map.of());
            }
            return listing;
        }
    }

    /** Waits for a shared fetch without owning it: giving up does not cancel it. */
    private static Uni<Listing> waitFor(CompletableFuture<Listing> fetch) {
        return Uni.createFrom().emitter(emitter -> fetch.whenComplete((listing, failure) -> {
            if (failure != null) {
                emitter.fail(failure instanceof java.util.concurrent.CompletionException && failure.getCause() != null
                        ? failure.getCause() : failure);
            } else {
                emitter.complete(listing);
            }
        }));
    }

    static Listing listingOf(Instant fetchedAt, List<Schedule> schedules) {
        Map<String, List<ScheduleEntry>> shifts = new HashMap<>();
        Map<String, Schedule> byId = new LinkedHashMap<>();
        for (Schedule schedule : schedules) {
            byId.put(schedule.id(), schedule);
            List<ScheduleEntry> entries = new ArrayList<>();
            for (Entry e : schedule.currentShifts() == null ? List.<Entry> of() : schedule.currentShifts()) {
                // A shift without its bounds says nothing we can check: skipped (it can only make someone look off call).
                if (e != null && e.startAt() != null && e.endAt() != null) {
                    entries.add(ScheduleEntriesCache.toScheduleEntry(e));
                }
            }
            shifts.put(schedule.id(), entries);
        }
        return new Listing(new ListedSchedules(fetchedAt, shifts), byId);
    }

    private Slot slot(String orgId, ApiKey key, Instant now) {
        return slots.computeIfAbsent(new SlotKey(orgId, key), k -> new Slot(key, now));
    }

    /**
     * Refresh ahead: every list asked for within {@link OnCallConfig#refreshIdle()} and older than
     * {@code staleness - refreshAhead} is fetched again in the background (waiting for the key's budget
     * if need be). A refresh that fails changes nothing: the held list still stops answering at its
     * staleness bound. Returns how many refreshes started.
     */
    public int refreshAhead() {
        Instant now = clock.instant();
        Duration due = config.staleness().minus(config.refreshAhead());
        int started = 0;
        // Lists nobody asked for in a while are forgotten (their keys and shifts with them).
        slots.values().removeIf(slot -> !now.isBefore(slot.lastAsked.plus(config.refreshIdle()).plus(config.staleness()))
                && (slot.inFlight == null || slot.inFlight.isDone()));
        for (Slot slot : slots.values()) {
            Listing held = slot.current;
            if (held == null || now.isBefore(held.shifts().fetchedAt().plus(due))
                    || !now.isBefore(slot.lastAsked.plus(config.refreshIdle())) || !slot.refreshing.compareAndSet(false, true)) {
                continue;
            }
            started++;
            fetch(slot, now, Long.MIN_VALUE, Priority.BACKGROUND).whenComplete((listing, failure) -> {
                if (failure != null) {
                    LOG.debugf("refresh of a schedule list failed (%s); it still expires on time", failure.getMessage());
                }
                slot.refreshing.set(false);
            });
        }
        return started;
    }

    /**
     * incident.io said a schedule changed: no list held or under way answers for it any more (the next
     * ask fetches anew).
     */
    public void drop(String orgId, String scheduleId) {
        Instant now = clock.instant();
        slots.forEach((k, slot) -> {
            if (k.orgId().equals(orgId)) {
                synchronized (slot) {
                    slot.changedAt.put(scheduleId, now);
                    Listing held = slot.current;
                    if (held != null) {
                        slot.current = held.dropping(scheduleId);
                    }
                }
            }
        });
    }

    /** Forget an organization's lists (key rotated, integration removed). */
    public void dropOrg(String orgId) {
        slots.keySet().removeIf(k -> k.orgId().equals(orgId));
    }

    public void dropAll() {
        slots.clear();
    }

}
