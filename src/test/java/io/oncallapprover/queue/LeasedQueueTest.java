package io.oncallapprover.queue;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;
import java.time.Instant;
import java.time.OffsetDateTime;
import java.time.ZoneOffset;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Function;

import jakarta.inject.Inject;

import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import io.oncallapprover.testsupport.MutableClock;
import io.quarkus.test.junit.QuarkusTest;
import io.smallrye.mutiny.Uni;
import io.vertx.mutiny.sqlclient.Pool;
import io.vertx.mutiny.sqlclient.Row;
import io.vertx.mutiny.sqlclient.SqlClient;
import io.vertx.mutiny.sqlclient.Tuple;

/** The mechanism's order of operations on a table of its own, with a handler whose calls the test scripts. */
@QuarkusTest
class LeasedQueueTest {

    static final Instant NOW = Instant.parse("2026-03-04T12:00:00Z");
    static final Duration LEASE = Duration.ofSeconds(30);
    static final Duration AWAIT = Duration.ofSeconds(10);

    @Inject
    LeasedQueues queues;

    @Inject
    Pool pool;

    @Inject
    MutableClock clock;

    final Map<Long, Function<Integer, Uni<String>>> behaviour = new ConcurrentHashMap<>();
    final Map<Long, AtomicInteger> calls = new ConcurrentHashMap<>();

    @BeforeEach
    void freshTable() {
        clock.set(NOW);
        pool.query("create table if not exists leased_queue_probe (id bigint primary key, attempts int not null default 0,"
                + " status text not null default 'PENDING', next_attempt_at timestamptz not null, lease_owner text,"
                + " lease_until timestamptz, outcome text)").execute().await().atMost(AWAIT);
        pool.query("truncate leased_queue_probe").execute().await().atMost(AWAIT);
    }

    @Test
    void aFailingRowIsCountedBeforeEachCallRetriedWithBackOffAndGivenUpAtTheMaximum() {
        LeasedQueue<Long> queue = queues.of(new Probe(3));
        insert(1);
        behaviour.put(1L, attempt -> Uni.createFrom().failure(new IllegalStateException("boom " + attempt)));

        assertThat(drain(queue)).isEqualTo(1);
        Row row = row(1);
        assertThat(row.getInteger("attempts")).isEqualTo(1);
        assertThat(row.getString("status")).isEqualTo("PENDING");
        assertThat(row.getString("lease_owner")).as("lease given back with the outcome").isNull();
        assertThat(row.getString("outcome")).isEqualTo("attempt 1: boom 1");
        assertThat(row.getOffsetDateTime("next_attempt_at").toInstant()).isBetween(NOW.plusMillis(500), NOW.plusSeconds(1));
        assertThat(drain(queue)).as("not due before its back-off").isZero();

        clock.advance(Duration.ofSeconds(1));
        assertThat(drain(queue)).isEqualTo(1);
        assertThat(row(1).getOffsetDateTime("next_attempt_at").toInstant())
                .isBetween(clock.instant().plusSeconds(1), clock.instant().plusSeconds(2));
        clock.advance(Duration.ofSeconds(2));
        assertThat(drain(queue)).isEqualTo(1);
        row = row(1);
        assertThat(row.getString("status")).isEqualTo("FAILED");
        assertThat(row.getInteger("attempts")).isEqualTo(3);
        assertThat(calls.get(1L)).hasValue(3);
        clock.advance(Duration.ofHours(1));
        assertThat(drain(queue)).as("given up: never claimed again").isZero();
    }

    @Test
    void aClaimCountsNoAttemptACrashDuringTheCallCountsOneAndALateWorkerIsFenced() {
        Probe probe = new Probe(5);
        LeasedQueue<Long> queue = queues.of(probe);
        insert(1);
        behaviour.put(1L, attempt -> Uni.createFrom().item("done at " + attempt));

        assertThat(queue.claimOnly().await().atMost(AWAIT)).containsExactly(1L);
        String dead = row(1).getString("lease_owner");
        assertThat(row(1).getInteger("attempts")).as("claiming counts no attempt").isZero();
        // The worker counts its attempt, then dies during the call.
        assertThat(probe.countAttempt(pool, 1L, dead, NOW.plus(LEASE)).await().atMost(AWAIT)).isEqualTo(1);
        assertThat(drain(queue)).as("the lease holds the row").isZero();

        clock.advance(LEASE.plusSeconds(1));
        assertThat(drain(queue)).isEqualTo(1);
        assertThat(row(1).getInteger("attempts")).as("the crash counted").isEqualTo(2);
        assertThat(row(1).getString("outcome")).isEqualTo("done at 2");

        // The dead worker comes back: its lease is gone, it neither calls nor writes.
        queue.work(1L, dead).await().atMost(AWAIT);
        assertThat(calls.get(1L)).hasValue(1);
        assertThat(row(1).getInteger("attempts")).isEqualTo(2);
        assertThat(row(1).getString("status")).isEqualTo("DONE");
    }

    @Test
    void anAttemptCountedPastTheMaximumGivesUpWithoutCalling() {
        Probe probe = new Probe(2);
        LeasedQueue<Long> queue = queues.of(probe);
        insert(1);
        for (int crash = 1; crash <= 2; crash++) { // two workers die during their call
            queue.claimOnly().await().atMost(AWAIT);
            probe.countAttempt(pool, 1L, row(1).getString("lease_owner"), clock.instant().plus(LEASE)).await().atMost(AWAIT);
            clock.advance(LEASE.plusSeconds(1));
        }
        assertThat(drain(queue)).isEqualTo(1);
        assertThat(row(1).getString("status")).isEqualTo("FAILED");
        assertThat(row(1).getString("outcome")).startsWith("attempt 2: no outcome recorded");
        assertThat(calls).as("never called a third time").isEmpty();
    }

    @Test
    void aStopLetsTheCallInFlightFinishAndGivesBackTheRestAtOnce() throws Exception {
        LeasedQueue<Long> queue = queues.of(new Probe(5));
        insert(1);
        insert(2);
        insert(3);
        CompletableFuture<String> first = new CompletableFuture<>();
        behaviour.put(1L, attempt -> Uni.createFrom().completionStage(first));
        behaviour.put(2L, attempt -> Uni.createFrom().item("two"));
        behaviour.put(3L, attempt -> Uni.createFrom().item("three"));

        CompletableFuture<Integer> draining = queue.drainOnce().subscribe().asCompletionStage();
        long until = System.nanoTime() + AWAIT.toNanos();
        while (!calls.containsKey(1L) && System.nanoTime() < until) {
            Thread.sleep(10);
        }
        CompletableFuture<Void> stopping = CompletableFuture.runAsync(() -> queue.stop(Duration.ofSeconds(5)));
        Thread.sleep(200);
        assertThat(stopping).as("waits for the call in flight").isNotDone();
        first.complete("one");
        stopping.get(10, TimeUnit.SECONDS);
        assertThat(draining.get(10, TimeUnit.SECONDS)).isEqualTo(3);

        assertThat(row(1).getString("status")).isEqualTo("DONE");
        for (long id : List.of(2L, 3L)) {
            Row row = row(id);
            assertThat(row.getString("status")).isEqualTo("PENDING");
            assertThat(row.getString("lease_owner")).as("given back").isNull();
            assertThat(row.getInteger("attempts")).as("never begun").isZero();
        }
        assertThat(drain(queue)).as("stopped: claims nothing").isZero();
        queue.resume();
        assertThat(drain(queue)).as("taken at once, without waiting for the lease").isEqualTo(2);
    }

    private int drain(LeasedQueue<Long> queue) {
        return queue.drainOnce().await().atMost(AWAIT);
    }

    private void insert(long id) {
        pool.preparedQuery("insert into leased_queue_probe (id, next_attempt_at) values ($1, $2)")
                .execute(Tuple.of(id, utc(NOW))).await().atMost(AWAIT);
    }

    private Row row(long id) {
        return pool.preparedQuery("select * from leased_queue_probe where id = $1").execute(Tuple.of(id))
                .await().atMost(AWAIT).iterator().next();
    }

    private static OffsetDateTime utc(Instant instant) {
        return instant.atOffset(ZoneOffset.UTC);
    }

    /** The probe table as a queue; the calls do what {@link #behaviour} says. */
    final class Probe implements QueueHandler<Long> {

        private final int maxAttempts;

        Probe(int maxAttempts) {
            this.maxAttempts = maxAttempts;
        }

        @Override
        public String kind() {
            return "probe row";
        }

        @Override
        public QueueSettings settings() {
            return new QueueSettings(new RetryPolicy(Duration.ofSeconds(1), Duration.ofSeconds(10), maxAttempts), LEASE, 10);
        }

        @Override
        public Uni<List<Long>> claim(SqlClient db, String owner, Instant now, Instant leaseUntil, int limit) {
            return db.preparedQuery("update leased_queue_probe p set lease_owner = $1, lease_until = $2 from (select id"
                    + " from leased_queue_probe where status = 'PENDING' and next_attempt_at <= $3 and (lease_until is null"
                    + " or lease_until <= $3) order by id limit $4 for update skip locked) due where p.id = due.id returning p.id")
                    .execute(Tuple.of(owner, utc(leaseUntil), utc(now), limit))
                    .map(rows -> {
                        List<Long> ids = new java.util.ArrayList<>();
                        rows.forEach(row -> ids.add(row.getLong("id")));
                        ids.sort(null);
                        return ids;
                    });
        }

        @Override
        public Uni<Integer> countAttempt(SqlClient db, Long id, String owner, Instant leaseUntil) {
            return db.preparedQuery("update leased_queue_probe set attempts = attempts + 1, lease_until = $1"
                    + " where id = $2 and lease_owner = $3 and status = 'PENDING' returning attempts")
                    .execute(Tuple.of(utc(leaseUntil), id, owner))
                    .map(rows -> rows.rowCount() == 0 ? null : rows.iterator().next().getInteger("attempts"));
        }

        @Override
        public Uni<String> call(Long id, int attempt) {
            calls.computeIfAbsent(id, k -> new AtomicInteger()).incrementAndGet();
            return behaviour.get(id).apply(attempt);
        }

        @Override
        public Uni<Boolean> succeeded(SqlClient db, Long id, String owner, String outcome, Instant now) {
            return finish(db, id, owner, "DONE", outcome, null);
        }

        @Override
        public Uni<Boolean> failed(SqlClient db, Long id, String owner, int attempt, String error, RetryPolicy.AfterFailure next,
                Instant now) {
            String outcome = "attempt " + attempt + ": " + error;
            return next instanceof RetryPolicy.RetryAt retry ? finish(db, id, owner, "PENDING", outcome, retry.at())
                    : finish(db, id, owner, "FAILED", outcome, null);
        }

        private Uni<Boolean> finish(SqlClient db, long id, String owner, String status, String outcome, Instant next) {
            return db.preparedQuery("update leased_queue_probe set status = $1, outcome = $2, lease_owner = null, lease_until = null,"
                    + " next_attempt_at = coalesce($3, next_attempt_at) where id = $4 and lease_owner = $5")
                    .execute(Tuple.of(status, outcome, next == null ? null : utc(next), id, owner))
                    .map(rows -> rows.rowCount() > 0);
        }

        @Override
        public Uni<Integer> release(SqlClient db, List<String> owners) {
            return db.preparedQuery("update leased_queue_probe set lease_owner = null, lease_until = null"
                    + " where lease_owner = any($1) and status = 'PENDING'")
                    .execute(Tuple.of(owners.toArray(String[]::new))).map(rows -> rows.rowCount());
        }
    }
}
