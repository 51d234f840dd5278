package io.oncallapprover.organization;

import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicLong;

import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.event.Observes;
import jakarta.inject.Inject;

import org.jboss.logging.Logger;

import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Timer;
import io.oncallapprover.common.CallerContext;
import io.oncallapprover.common.DatabaseDeadline;
import io.oncallapprover.common.OrgChanged;
import io.oncallapprover.installation.IntegrationService;
import io.oncallapprover.oncall.ScheduleListCache;
import io.oncallapprover.organization.OrgSnapshot.Installed;
import io.oncallapprover.policy.PolicyService;
import io.quarkus.hibernate.reactive.panache.common.WithSession;
import io.smallrye.mutiny.Uni;

/**
 * Organization snapshots in memory, so that a warm check reads no database. A snapshot is dropped
 * at once by every write on this replica ({@link OrgChanged}), by every write anywhere through
 * {@link OrgChangeListener} (PostgreSQL LISTEN/NOTIFY), and after {@link SnapshotConfig#ttl()} in
 * any case. While the notification connection is down nothing is kept: each call reads the
 * database, since a change made elsewhere could not be heard of.
 * <p>
 * Concurrent first reads of an organization share one database read. A read that began before an
 * invalidation is never kept (a generation count tells), so no snapshot outlives the write that
 * changed it.
 * <p>
 * Unauthenticated reads ({@link #ofInstalled}) also remember, for {@link SnapshotConfig#absentTtl()}, that an
 * organization has no installation, so deliveries for a made-up organization cost one database read, not one
 * each. That memory follows the snapshots' rules: dropped by the same invalidations (an installation anywhere
 * is heard of at once), never kept from a read that began before one, nothing kept while changes cannot be
 * heard of; and bounded ({@link SnapshotConfig#absentMax()}).
 */
@ApplicationScoped
public class OrgSnapshots {

    private static final Logger LOG = Logger.getLogger(OrgSnapshots.class);

    private record Held(OrgSnapshot snapshot, long loadedNanos) {
    }

    @Inject
    IntegrationService integrations;

    @Inject
    PolicyService policies;

    @Inject
    ScheduleListCache scheduleLists;

    @Inject
    SnapshotConfig config;

    @Inject
    MeterRegistry meters;

    private final Map<String, Held> held = new ConcurrentHashMap<>();
    private final Map<String, CompletableFuture<OrgSnapshot>> loading = new ConcurrentHashMap<>();
    /** Organizations an unauthenticated read found without an installation, with when ({@code System.nanoTime()}). */
    private final Map<String, Long> absent = new ConcurrentHashMap<>();
    private final AtomicLong generation = new AtomicLong();
    private volatile boolean listening;

    /**
     * The organization's snapshot: from memory when held and fresh, else read (once for all callers) from the
     * database, warming the schedule list the caller's check will want.
     */
    public Uni<OrgSnapshot> of(String orgId) {
        return of(orgId, true);
    }

    /**
     * The snapshot of an installed organization, else empty. For callers nobody authenticated (webhook
     * deliveries): the snapshot of an organization without an installation is not kept, so deliveries
     * to made-up organization ids cannot fill memory, and reading one never calls incident.io.
     */
    public Uni<Optional<OrgSnapshot>> ofInstalled(String orgId) {
        Long since = absent.get(orgId);
        if (since != null) {
            if (System.nanoTime() - since < config.absentTtl().toNanos()) {
                return Uni.createFrom().item(Optional.empty());
            }
            absent.remove(orgId, since);
        }
        return of(orgId, false).map(snapshot -> Optional.of(snapshot).filter(s -> s.installation().isPresent()));
    }

    private Uni<OrgSnapshot> of(String orgId, boolean authenticated) {
        if (!config.enabled()) {
            return load(orgId, authenticated);
        }
        Held current = held.get(orgId);
        if (current != null && System.nanoTime() - current.loadedNanos() < config.ttl().toNanos()) {
            return Uni.createFrom().item(current.snapshot());
        }
        long startedAt = generation.get();
        CompletableFuture<OrgSnapshot> mine = new CompletableFuture<>();
        CompletableFuture<OrgSnapshot> shared = loading.putIfAbsent(orgId, mine);
        if (shared == null) {
            shared = mine;
            load(orgId, authenticated).subscribe().with(snapshot -> {
                if (authenticated || snapshot.installation().isPresent()) {
                    keep(orgId, snapshot, startedAt);
                } else {
                    keepAbsent(orgId, startedAt);
                }
                loading.remove(orgId, mine);
                mine.complete(snapshot);
            }, failure -> {
                loading.remove(orgId, mine);
                mine.completeExceptionally(failure);
            });
        }
        return Uni.createFrom().completionStage(shared).plug(CallerContext.resumeOnCaller());
    }

    /**
     * Reads the installation and the policy in one session of its own, within the database read deadline.
     * With {@code warmSchedules}, an installation that auto-approves from schedules gets its schedule list
     * fetched (when not held) as soon as its key is read: the check that asked runs that incident.io
     * call beside the policy read instead of after it.
     */
    @WithSession
    @DatabaseDeadline
    Uni<OrgSnapshot> load(String orgId, boolean warmSchedules) {
        // Timed: a snapshot read is what a cold check pays on top of incident.io.
        Timer.Sample sample = Timer.start(meters);
        return integrations.find(orgId).flatMap(integration -> {
            Optional<Installed> installed = integration.map(i -> new Installed(integrations.keyOf(i),
                    i.autoApprovalSchedules(), integrations.webhookSecretOf(i), i.closeOnIncidentResolved));
            installed.filter(i -> warmSchedules && !i.autoApprovalSchedules().isEmpty())
                    .ifPresent(i -> scheduleLists.warm(orgId, i.key()));
            return policies.load(orgId).map(policy -> new OrgSnapshot(orgId, installed, policy));
        }).onTermination().invoke(() -> sample.stop(meters.timer("org.snapshot.loads")));
    }

    private void keep(String orgId, OrgSnapshot snapshot, long startedAt) {
        held.compute(orgId, (k, old) -> listening && generation.get() == startedAt
                ? new Held(snapshot, System.nanoTime()) : old);
    }

    /**
     * Remembers that the organization has no installation, unless an invalidation came since the read began (the
     * check runs inside the map's atomic update, and invalidations count the generation before they remove: a
     * put that passed the check is removed by the invalidation under way).
     */
    private void keepAbsent(String orgId, long startedAt) {
        if (absent.size() >= config.absentMax()) {
            long now = System.nanoTime();
            absent.values().removeIf(since -> now - since >= config.absentTtl().toNanos());
            if (absent.size() >= config.absentMax()) {
                return;
            }
        }
        absent.compute(orgId, (k, old) -> listening && generation.get() == startedAt ? Long.valueOf(System.nanoTime()) : old);
    }

    /** Forgets an organization's snapshot (and that it had none), and any read of it under way. */
    public void invalidate(String orgId) {
        generation.incrementAndGet();
        loading.remove(orgId);
        held.remove(orgId);
        absent.remove(orgId);
    }

    public void invalidateAll() {
        generation.incrementAndGet();
        loading.clear();
        held.clear();
        absent.clear();
    }

    void onChange(@Observes OrgChanged changed) {
        invalidate(changed.orgId());
    }

    /** Changes can no longer be heard of: keep nothing until {@link #resume()}. */
    void suspend() {
        if (listening) {
            LOG.warn("organization changes cannot be heard of: snapshots are off until the notification connection is back");
        }
        listening = false;
        invalidateAll();
    }

    /** Changes are heard of again; whatever was missed meanwhile is forgotten. */
    void resume() {
        invalidateAll();
        listening = true;
    }

    /** Whether snapshots are kept now (the notification connection is up). */
    public boolean keeping() {
        return config.enabled() && listening;
    }

    /** The held snapshot, if any (tests). */
    Optional<OrgSnapshot> held(String orgId) {
        return Optional.ofNullable(held.get(orgId)).map(Held::snapshot);
    }
}
