package io.oncallapprover.replica;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;

import jakarta.inject.Inject;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import io.quarkus.test.junit.QuarkusTest;
import io.vertx.mutiny.sqlclient.Pool;
import io.vertx.pgclient.PgBuilder;
import io.vertx.pgclient.PgConnectOptions;

/**
 * Replica leases on the real database: the running service's own replica plus replicas made here with
 * a fast heartbeat (100 ms, lease 800 ms). Shares come to a third each, a killed replica's share
 * returns once its lease lapses, a stopped one's at once, and a replica cut off from the database
 * spends at most its last share, and nothing once its lease may have lapsed.
 */
@QuarkusTest
class ReplicaLeasesTest {

    private static final ReplicaConfig FAST = new ReplicaConfig() {
        public Duration heartbeat() {
            return Duration.ofMillis(100);
        }

        public Duration leaseTtl() {
            return Duration.ofMillis(800);
        }

        public Duration safetyMargin() {
            return Duration.ofMillis(200);
        }
    };

    @Inject
    Pool pool;

    @Inject
    ReplicaLeases service;

    @Inject
    io.vertx.core.Vertx vertx;

    private final List<ReplicaLeases> made = new ArrayList<>();

    @BeforeEach
    void onlyTheServiceHoldsALease() {
        pool.preparedQuery("delete from replica_lease where replica_id <> $1")
                .execute(io.vertx.mutiny.sqlclient.Tuple.of(service.replicaId())).await().indefinitely();
    }

    @AfterEach
    void giveBack() {
        made.forEach(ReplicaLeases::giveBack);
    }

    private ReplicaLeases replica(Pool through) {
        ReplicaLeases r = new ReplicaLeases();
        r.pool = through;
        r.config = FAST;
        r.begin();
        made.add(r);
        return r;
    }

    /** Renews {@code renewing} every 100 ms for {@code millis}, checking that the claims in the table never pass 1. */
    private void run(long millis, ReplicaLeases... renewing) throws InterruptedException {
        run(millis, () -> true, renewing);
    }

    /**
     * {@link #run(long, ReplicaLeases...)}, then on for at most 4 s more until {@code settled}: the service renews
     * on its own heartbeat (once a second), which a loaded machine may delay.
     */
    private void run(long millis, java.util.function.BooleanSupplier settled, ReplicaLeases... renewing)
            throws InterruptedException {
        long start = System.nanoTime();
        long end = start + Duration.ofMillis(millis).toNanos();
        long latest = end + Duration.ofSeconds(4).toNanos();
        while (System.nanoTime() < end || (!settled.getAsBoolean() && System.nanoTime() < latest)) {
            for (ReplicaLeases r : renewing) {
                r.renew().onFailure().recoverWithNull().await().indefinitely();
            }
            assertThat(claimed()).as("the claims of live leases").isLessThanOrEqualTo(1.0 + 1e-9);
            Thread.sleep(100);
        }
    }

    private static boolean near(double share, double expected) {
        return Math.abs(share - expected) < 1e-9;
    }

    private double claimed() {
        return pool.query("select coalesce(sum(claimed_share), 0) from replica_lease where expires_at > now()").execute()
                .await().indefinitely().iterator().next().getDouble(0);
    }

    @Test
    void threeReplicasComeToAThirdEachAndAKilledOnesShareReturnsWhenItsLeaseLapses() throws Exception {
        ReplicaLeases a = replica(pool);
        ReplicaLeases b = replica(pool);
        assertThat(a.share()).as("nothing before the first renewal").isZero();
        run(2_600, () -> near(service.share(), 1.0 / 3) && near(a.share(), 1.0 / 3) && near(b.share(), 1.0 / 3)
                && service.live() == 3, a, b); // the service renews every second: two renewals of its own at least
        assertThat(a.share()).isCloseTo(1.0 / 3, within(1e-9));
        assertThat(b.share()).isCloseTo(1.0 / 3, within(1e-9));
        assertThat(service.share()).isCloseTo(1.0 / 3, within(1e-9));
        assertThat(service.live()).isEqualTo(3);

        // b is killed: it renews no more, its row stays until the lease lapses (800 ms), then the others take its share.
        run(2_600, () -> near(a.share(), 0.5) && near(service.share(), 0.5), a);
        assertThat(a.share()).isCloseTo(0.5, within(1e-9));
        assertThat(service.share()).isCloseTo(0.5, within(1e-9));
        assertThat(b.share()).as("the killed one's own view: its lease lapsed").isZero();
    }

    /**
     * A newcomer that found the whole budget claimed claims again by itself every 250 ms until the others come
     * down: nobody renews it here, as an hour's heartbeat (a test profile's) would not.
     */
    @Test
    void aNewcomerKeepsCatchingUpWithoutItsHeartbeatUntilALapsedLeaseLeavesItsShare() throws Exception {
        ReplicaLeases old = replica(pool);
        run(2_200, () -> near(old.share(), 0.5), old);
        assertThat(old.share()).isCloseTo(0.5, within(1e-9));
        ReplicaLeases newcomer = replica(pool); // old is killed now: it renews no more, its lease lapses in 800 ms
        newcomer.renew().await().indefinitely();
        assertThat(newcomer.share()).as("everything is claimed by the others").isZero();
        long deadline = System.nanoTime() + Duration.ofSeconds(4).toNanos();
        while (newcomer.share() == 0 && System.nanoTime() < deadline) {
            Thread.sleep(50); // no renewal from here: only the newcomer's own catch-ups
        }
        assertThat(newcomer.share()).as("caught up by itself once the killed lease lapsed").isGreaterThan(0);
    }

    @Test
    void aStoppedReplicaGivesItsShareBackAtOnce() throws Exception {
        ReplicaLeases a = replica(pool);
        run(2_200, () -> near(a.share(), 0.5), a);
        assertThat(a.share()).isCloseTo(0.5, within(1e-9));
        a.giveBack();
        assertThat(a.share()).isZero();
        long rows = pool.query("select count(*) from replica_lease").execute().await().indefinitely().iterator().next().getLong(0);
        assertThat(rows).as("only the service's lease is left").isEqualTo(1);
        // The service takes the whole at its next renewals (once a second; a loaded machine may delay one).
        long until = System.nanoTime() + Duration.ofSeconds(5).toNanos();
        while (service.share() < 1.0 - 1e-9 && System.nanoTime() < until) {
            Thread.sleep(100);
        }
        assertThat(service.share()).isCloseTo(1.0, within(1e-9));
    }

    @Test
    void aReplicaCutOffFromTheDatabaseSpendsAtMostItsLastShareThenNothing() throws Exception {
        ReplicaLeases a = replica(pool);
        run(2_200, () -> near(a.share(), 0.5), a);
        double last = a.share();
        assertThat(last).isCloseTo(0.5, within(1e-9));
        Pool unreachable = Pool.newInstance(PgBuilder.pool()
                .connectingTo(new PgConnectOptions().setHost("127.0.0.1").setPort(1).setDatabase("test")
                        .setUser("postgres").setConnectTimeout(200))
                .using(vertx).build());
        try {
            a.pool = unreachable;
            long cut = System.nanoTime();
            boolean sawLast = false;
            while (System.nanoTime() - cut < Duration.ofMillis(1_500).toNanos()) {
                a.renew().onFailure().recoverWithNull().await().indefinitely();
                double now = a.share();
                assertThat(now).as("never more than its last share").isLessThanOrEqualTo(last);
                sawLast |= now == last;
                Thread.sleep(50);
            }
            assertThat(sawLast).as("it kept its last share while its lease surely held").isTrue();
            assertThat(a.share()).as("past the lease (800 ms) less the margin: nothing").isZero();
            Thread.sleep(1_200);
            assertThat(service.share()).as("the service took the lapsed share").isCloseTo(1.0, within(1e-9));
            assertThat(claimed()).isLessThanOrEqualTo(1.0 + 1e-9);
        } finally {
            a.pool = pool;
            unreachable.close().await().indefinitely();
        }
    }
}
