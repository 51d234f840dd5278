package io.oncallapprover.replica;

import java.time.Duration;
import java.util.UUID;

import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.event.Observes;
import jakarta.inject.Inject;

import org.jboss.logging.Logger;

import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import io.oncallapprover.incidentio.BudgetShare;
import io.quarkus.runtime.ShutdownEvent;
import io.quarkus.runtime.StartupEvent;
import io.quarkus.scheduler.Scheduled;
import io.smallrye.mutiny.Uni;
import io.vertx.mutiny.sqlclient.Pool;
import io.vertx.mutiny.sqlclient.Row;
import io.vertx.mutiny.sqlclient.SqlConnection;
import io.vertx.mutiny.sqlclient.Tuple;

/**
 * This replica's lease in table {@code replica_lease}, renewed every {@link ReplicaConfig#heartbeat()},
 * and the share of every incident.io key's limit it claims with it ({@link ShareClaims}). Each live
 * replica ends up with {@code 1/live}: a replica that starts, stops or dies is accounted for within a
 * few heartbeats (a dead one once its lease lapses, {@link ReplicaConfig#leaseTtl()}). Renewals are
 * serialized by a transaction-level advisory lock, so claims are always taken against the latest
 * claims of the others. One short transaction a second per replica; no call to incident.io ever waits
 * for the database.
 */
@ApplicationScoped
public class ReplicaLeases implements BudgetShare {

    private static final Logger LOG = Logger.getLogger(ReplicaLeases.class);

    /** The advisory lock under which claims are made (an arbitrary constant of this service). */
    static final long CLAIM_LOCK = 0x6f6e63616c6c01L;

    @Inject
    Pool pool;

    @Inject
    ReplicaConfig config;

    @Inject
    MeterRegistry meters;

    private final String replicaId = UUID.randomUUID().toString();
    private volatile LocalShare local;
    private volatile int live;
    private volatile boolean stopping;

    // Before any method runs: the scheduler may fire the heartbeat before the StartupEvent reaches start().
    @jakarta.annotation.PostConstruct
    void init() {
        begin();
    }

    void start(@Observes StartupEvent event) {
        Gauge.builder("incidentio.budget.share", this, ReplicaLeases::share)
                .description("This replica's share of every incident.io key's limit (0 to 1)").register(meters);
        Gauge.builder("replica.live", this, r -> r.live)
                .description("Live replicas, as seen at this replica's last lease renewal").register(meters);
        renew().subscribe().with(ignored -> {
        }, failure -> LOG.warnf("first lease renewal failed: %s; no incident.io calls until one succeeds", failure.getMessage()));
    }

    /** Starts with no share: nothing is spent before the first renewal. */
    void begin() {
        local = new LocalShare(config.leaseTtl().toNanos(), config.safetyMargin().toNanos());
    }

    @Scheduled(every = "${oncall.replica.heartbeat:1s}", concurrentExecution = Scheduled.ConcurrentExecution.SKIP)
    Uni<Void> heartbeat() {
        if (stopping) {
            return Uni.createFrom().voidItem();
        }
        return renew().replaceWithVoid().onFailure().recoverWithItem(failure -> {
            if (share() == 0) {
                // Every call to incident.io waits or is refused, and readiness is down: say so, once a lease's life.
                long now = System.nanoTime();
                if (now - lastLostWarning > config.leaseTtl().toNanos()) {
                    lastLostWarning = now;
                    LOG.warnf("no lease on the incident.io budget (renewals fail: %s); this replica calls incident.io"
                            + " no more until one succeeds", failure.getMessage());
                }
            } else {
                LOG.debugf("lease renewal failed (%s); spending at most the last share until the lease may lapse",
                        failure.getMessage());
            }
            return null;
        });
    }

    private volatile long lastLostWarning = System.nanoTime() - Duration.ofHours(1).toNanos();

    void stop(@Observes ShutdownEvent event) {
        giveBack();
    }

    /** Spends nothing more and deletes the lease, so the others may take the share at their next renewal. */
    void giveBack() {
        LocalShare current = local;
        synchronized (this) {
            stopping = true;
            if (current != null) {
                current.released();
            }
        }
        try {
            pool.preparedQuery("delete from replica_lease where replica_id = $1").execute(Tuple.of(replicaId))
                    .await().atMost(Duration.ofSeconds(2));
        } catch (RuntimeException e) {
            LOG.debugf("could not give the lease back (%s); it lapses by itself", e.getMessage());
        }
    }

    /** Renews the lease and claims this replica's share; the new claim applies as {@link LocalShare} says. */
    Uni<Double> renew() {
        // One renewal at a time (heartbeat and catch-up), so a claim is never applied after a newer one;
        // none once the lease was given back.
        if (stopping || !renewing.compareAndSet(false, true)) {
            return Uni.createFrom().item(() -> local.lastApplied());
        }
        long begun = System.nanoTime();
        LocalShare share = local;
        return pool.withTransaction(conn -> claim(conn, share))
                .invoke(claimed -> {
                    synchronized (this) {
                        if (!stopping) {
                            share.claimed(claimed, begun);
                        }
                    }
                })
                .onTermination().invoke(() -> renewing.set(false))
                .invoke(claimed -> {
                    if (!stopping && claimed < 1.0 / Math.max(1, live) - 1e-9) {
                        soonAgain();
                    }
                });
    }

    private final java.util.concurrent.atomic.AtomicBoolean renewing = new java.util.concurrent.atomic.AtomicBoolean();

    /**
     * Below its fair share (a newcomer, while the others still hold theirs): claim again shortly rather
     * than a whole heartbeat later, so the share is there as soon as the others have come down.
     */
    private void soonAgain() {
        if (!catchingUp.compareAndSet(false, true)) {
            return;
        }
        // The flag is cleared before the renewal, so a renewal still below its fair share can schedule the next
        // catch-up itself.
        Uni.createFrom().voidItem().onItem().delayIt().by(CATCH_UP).invoke(() -> catchingUp.set(false)).chain(this::renew)
                .subscribe().with(ignored -> {
                }, failure -> LOG.debugf("lease renewal failed: %s", failure.getMessage()));
    }

    private static final Duration CATCH_UP = Duration.ofMillis(250);
    private final java.util.concurrent.atomic.AtomicBoolean catchingUp = new java.util.concurrent.atomic.AtomicBoolean();

    private Uni<Double> claim(SqlConnection conn, LocalShare share) {
        return conn.preparedQuery("select pg_advisory_xact_lock($1)").execute(Tuple.of(CLAIM_LOCK))
                .chain(() -> conn.preparedQuery("""
                        select count(*) as others, coalesce(sum(claimed_share), 0) as claimed from replica_lease
                        where replica_id <> $1 and expires_at > now()""").execute(Tuple.of(replicaId)))
                .chain(rows -> {
                    Row row = rows.iterator().next();
                    int others = (int) row.getLong("others").longValue();
                    live = others + 1;
                    double claim = ShareClaims.claim(others + 1, row.getDouble("claimed"));
                    share.aboutToClaim(claim);
                    if (stopping) { // given back meanwhile: no lease to write again
                        return Uni.createFrom().item(0.0);
                    }
                    return conn.preparedQuery("""
                            insert into replica_lease (replica_id, claimed_share, started_at, renewed_at, expires_at)
                            values ($1, $2, now(), now(), clock_timestamp() + $3 * interval '1 millisecond')
                            on conflict (replica_id) do update set claimed_share = excluded.claimed_share,
                                renewed_at = excluded.renewed_at, expires_at = excluded.expires_at""")
                            .execute(Tuple.of(replicaId, claim, config.leaseTtl().toMillis()))
                            .chain(() -> conn.query("delete from replica_lease where expires_at < now() - interval '1 hour'")
                                    .execute())
                            .replaceWith(claim);
                });
    }

    @Override
    public double share() {
        LocalShare current = local;
        return current == null ? 0.0 : current.at(System.nanoTime());
    }

    /** This replica's lease id (diagnostics, tests). */
    public String replicaId() {
        return replicaId;
    }

    /** Live replicas at the last renewal (diagnostics, tests). */
    public int live() {
        return live;
    }
}
