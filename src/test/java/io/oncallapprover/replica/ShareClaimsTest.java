package io.oncallapprover.replica;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.within;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;

import org.junit.jupiter.api.Test;

/**
 * The lease protocol of {@link ReplicaLeases}, played on a simulated clock and database with the pure
 * {@link ShareClaims} and {@link LocalShare}: thousands of seeded histories of replicas that start,
 * renew (sometimes slowly, sometimes losing the commit or its answer), stop, are killed or lose the
 * database. At every instant the shares being spent add up to at most the whole limit; once things
 * settle, each live replica spends {@code 1/live}. Seed: {@code -Dprops.seed=N}.
 */
class ShareClaimsTest {

    private static final long MS = 1_000_000L;
    private static final long HEARTBEAT = 1_000 * MS;
    private static final long TTL = 5_000 * MS;
    private static final long MARGIN = 1_000 * MS;
    private static final long SLOWEST_COMMIT = 4_000 * MS;

    @Test
    void aClaimIsTheFairShareOrWhatIsFreeWhicheverIsLess() {
        assertThat(ShareClaims.claim(1, 0)).isEqualTo(1.0);
        assertThat(ShareClaims.claim(2, 0)).isEqualTo(0.5);
        assertThat(ShareClaims.claim(3, 1.0)).as("a newcomer while two hold everything").isZero();
        assertThat(ShareClaims.claim(3, 0.5 + 1.0 / 3)).isCloseTo(1.0 / 6, within(1e-12));
        assertThat(ShareClaims.claim(2, 1.5)).as("never negative").isZero();
        assertThatThrownBy(() -> ShareClaims.claim(0, 0)).isInstanceOf(IllegalArgumentException.class);
    }

    @Test
    void aLocalShareIsSpentOnlyWhileTheLeaseSurelyHolds() {
        LocalShare share = new LocalShare(TTL, MARGIN);
        assertThat(share.at(0)).as("nothing before the first renewal").isZero();
        share.claimed(0.5, 100 * MS);
        assertThat(share.at(100 * MS)).isEqualTo(0.5);
        assertThat(share.at(100 * MS + TTL - MARGIN - 1)).isEqualTo(0.5);
        assertThat(share.at(100 * MS + TTL - MARGIN)).as("the lease may lapse for the others soon: stop").isZero();
        share.claimed(0.5, 200 * MS);
        share.aboutToClaim(0.25);
        assertThat(share.at(300 * MS)).as("a lower claim applies before its commit").isEqualTo(0.25);
        share.aboutToClaim(1.0);
        assertThat(share.at(300 * MS)).as("a higher one only after").isEqualTo(0.25);
        share.released();
        assertThat(share.at(300 * MS)).isZero();
        assertThatThrownBy(() -> new LocalShare(MARGIN, MARGIN)).isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> new LocalShare(TTL, -1)).isInstanceOf(IllegalArgumentException.class);
        assertThat(new LocalShare(MARGIN + 1, MARGIN).at(0)).isZero();
        LocalShare noMargin = new LocalShare(TTL, 0);
        noMargin.claimed(1.0, 0);
        assertThat(noMargin.at(TTL - 1)).as("a margin of zero is allowed").isEqualTo(1.0);
    }

    /** One replica of the simulation: its local share, whether it runs and whether it reaches the database. */
    private static final class Replica {
        final String id;
        final LocalShare share = new LocalShare(TTL, MARGIN);
        boolean running = true;
        boolean reachable = true;
        long nextRenewal;

        Replica(String id, long now) {
            this.id = id;
            this.nextRenewal = now;
        }
    }

    private record Lease(double claim, long expiresAt) {
    }

    @Test
    void sharesNeverAddUpToMoreThanTheLimitAndSettleAtOneOverLive() {
        long seed = Long.getLong("props.seed", System.nanoTime());
        int tries = Integer.getInteger("props.tries", 300);
        Random random = new Random(seed);
        for (int history = 0; history < tries; history++) {
            play(random, "seed " + seed + ", history " + history);
        }
    }

    private static void play(Random random, String label) {
        Map<String, Lease> table = new HashMap<>();
        List<Replica> replicas = new ArrayList<>();
        long now = 0;
        int started = 0;
        for (int i = 0; i < 1 + random.nextInt(4); i++) {
            replicas.add(new Replica("r" + started++, now + random.nextInt(1_000) * MS));
        }
        long end = (60 + random.nextInt(60)) * 1_000 * MS;
        while (now < end) {
            now += (1 + random.nextInt(300)) * MS;
            // Something happens now and then: a start, a graceful stop, a kill -9, a replica losing or regaining the database.
            int event = random.nextInt(100);
            List<Replica> running = replicas.stream().filter(r -> r.running).toList();
            if (event < 2 || running.isEmpty()) {
                replicas.add(new Replica("r" + started++, now));
            } else if (event < 3) {
                Replica r = running.get(random.nextInt(running.size()));
                r.running = false;
                r.share.released();
                if (r.reachable) {
                    table.remove(r.id);
                }
            } else if (event < 4) {
                running.get(random.nextInt(running.size())).running = false; // killed: its row stays until it lapses
            } else if (event < 6) {
                Replica r = running.get(random.nextInt(running.size()));
                r.reachable = !r.reachable;
            }
            for (Replica r : replicas) {
                if (r.running && now >= r.nextRenewal) {
                    renew(r, table, now, random);
                    r.nextRenewal = now + HEARTBEAT + random.nextInt(200) * MS;
                }
            }
            double spent = 0;
            for (Replica r : replicas) {
                spent += r.running ? r.share.at(now) : 0;
            }
            assertThat(spent).as("%s: shares spent at %d ms", label, now / MS).isLessThanOrEqualTo(1.0 + 1e-9);
        }
        // Settle: everyone reaches the database and renews on time, for the longest lease written (a slow commit's)
        // and a few heartbeats.
        replicas.forEach(r -> r.reachable = true);
        long settled = now + SLOWEST_COMMIT + TTL + 4 * HEARTBEAT;
        while (now < settled) {
            now += 100 * MS;
            for (Replica r : replicas) {
                if (r.running && now >= r.nextRenewal) {
                    renewOnTime(r, table, now);
                    r.nextRenewal = now + HEARTBEAT;
                }
            }
        }
        List<Replica> live = replicas.stream().filter(r -> r.running).toList();
        for (Replica r : live) {
            assertThat(r.share.at(now)).as("%s: %s settles at 1/%d", label, r.id, live.size())
                    .isCloseTo(1.0 / live.size(), within(1e-9));
        }
    }

    /** A renewal as {@link ReplicaLeases} makes it, with the database's delays and lost commits or answers drawn at random. */
    private static void renew(Replica r, Map<String, Lease> table, long now, Random random) {
        long begun = now;
        if (!r.reachable) {
            return; // the transaction never starts: the last share stands until the lease may lapse
        }
        long transactionStart = begun + random.nextInt(50) * MS; // the database's now()
        double[] others = othersOf(r, table, transactionStart);
        double claim = ShareClaims.claim((int) others[0] + 1, others[1]);
        r.share.aboutToClaim(claim);
        int fate = random.nextInt(20);
        if (fate == 0) {
            return; // the commit failed: nothing written, the lower claim (if lower) kept
        }
        long commit = transactionStart + random.nextInt((int) (SLOWEST_COMMIT / MS)) * MS; // a slow commit, up to past the lease
        table.put(r.id, new Lease(claim, commit + TTL)); // clock_timestamp() + ttl, at the insert
        if (fate == 1) {
            return; // committed, but the answer was lost
        }
        r.share.claimed(claim, begun);
    }

    private static void renewOnTime(Replica r, Map<String, Lease> table, long now) {
        double[] others = othersOf(r, table, now);
        double claim = ShareClaims.claim((int) others[0] + 1, others[1]);
        r.share.aboutToClaim(claim);
        table.put(r.id, new Lease(claim, now + TTL));
        r.share.claimed(claim, now);
    }

    /** The count and the sum of the claims of the other unexpired leases at the database's {@code at}. */
    private static double[] othersOf(Replica r, Map<String, Lease> table, long at) {
        double count = 0;
        double sum = 0;
        for (Map.Entry<String, Lease> e : table.entrySet()) {
            if (!e.getKey().equals(r.id) && e.getValue().expiresAt() > at) {
                count++;
                sum += e.getValue().claim();
            }
        }
        return new double[] { count, sum };
    }
}
