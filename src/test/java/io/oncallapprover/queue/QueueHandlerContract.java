package io.oncallapprover.queue;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import java.util.function.Supplier;

import org.junit.jupiter.api.Test;

import io.oncallapprover.testsupport.MutableClock;
import io.quarkus.vertx.VertxContextSupport;
import io.smallrye.mutiny.Uni;
import io.vertx.mutiny.sqlclient.SqlClient;

/**
 * What every kind of leased queue must never do, run against each kind's real handler and table (a test class per
 * kind implements the fixtures): two workers on one row at once, a write from a worker whose lease was taken over,
 * an attempt not counted before its call (a crash during the call uncounted), a lease kept after a stop, a back-off
 * other than configured. The call is scripted (it waits, fails, or goes on with the kind's real call); everything
 * else is the kind's SQL and the shared mechanism.
 */
public interface QueueHandlerContract<T> {

    Duration AWAIT = Duration.ofSeconds(20);

    /** The kind's handler, as the application makes it. */
    QueueHandler<T> handler();

    LeasedQueues queues();

    MutableClock clock();

    /** Makes exactly one row of the kind due now. */
    void oneDueRow() throws Throwable;

    /** Makes the kind's real call succeed (incident.io answers, the destination accepts, ...). */
    void realCallWillSucceed() throws Throwable;

    /** The row's attempts as stored (read without blocking: the scripted call reads it on the event loop). */
    Uni<Integer> storedAttempts();

    default int attempts() {
        return storedAttempts().await().atMost(AWAIT);
    }

    /** The row's lease owner as stored; null when free. */
    String leaseOwner() throws Throwable;

    /** When the row is due again as stored (after a failure). */
    Instant nextDue() throws Throwable;

    /** The whole row as stored (to see that a late worker changed nothing). */
    String snapshot() throws Throwable;

    /** The longest wait after failed attempt {@code attempt}, as the kind's configuration says (the shortest is half). */
    Duration configuredBackoff(int attempt);

    @Test
    default void whileOneWorkerCallsTheAttemptIsCountedAndNoOtherWorkerTakesTheRow() throws Throwable {
        oneDueRow();
        Scripted<T> first = scripted();
        Scripted<T> second = scripted();
        CompletableFuture<Integer> draining = drainAsync(queues().of(first));
        first.awaitCalls(1);
        assertThat(attempts()).as("counted before the call, while it runs").isEqualTo(1);
        assertThat(first.attemptsSeen).containsExactly(1);

        assertThat(drain(queues().of(second))).as("a second replica claims nothing while the lease holds").isZero();
        assertThat(second.attemptsSeen).isEmpty();

        first.finish.completeExceptionally(new IllegalStateException("scripted failure"));
        draining.get(AWAIT.toSeconds(), TimeUnit.SECONDS);
        assertThat(leaseOwner()).as("given back with the outcome").isNull();
    }

    @Test
    default void aCrashDuringTheCallStillCountsAndTheLateWorkerWritesNothing() throws Throwable {
        oneDueRow();
        Scripted<T> crashed = scripted();
        crashed.thenRealCall = true;
        CompletableFuture<Integer> late = drainAsync(queues().of(crashed));
        crashed.awaitCalls(1);

        // The first worker hangs past its lease: for the queue it is dead, and another replica takes the row.
        clock().advance(handler().settings().lease().plusSeconds(1));
        Scripted<T> next = scripted();
        CompletableFuture<Integer> holding = drainAsync(queues().of(next));
        next.awaitCalls(1);
        assertThat(next.attemptsSeen).as("the crashed attempt counted").containsExactly(2);
        String held = snapshot();

        // The first comes back and makes the kind's real call, successfully, while the other holds the row.
        realCallWillSucceed();
        crashed.finish.complete("late");
        late.get(AWAIT.toSeconds(), TimeUnit.SECONDS);
        assertThat(snapshot()).as("the late worker's writes are refused").isEqualTo(held);

        next.finish.completeExceptionally(new IllegalStateException("scripted failure"));
        assertThat(holding.get(AWAIT.toSeconds(), TimeUnit.SECONDS)).isEqualTo(1);
        assertThat(attempts()).isEqualTo(2);
        assertThat(leaseOwner()).as("the holder's outcome is written").isNull();
    }

    @Test
    default void aStopGivesTheLeaseBackWhileTheCallIsStillRunning() throws Throwable {
        oneDueRow();
        Scripted<T> stopped = scripted();
        LeasedQueue<T> queue = queues().of(stopped);
        CompletableFuture<Integer> draining = drainAsync(queue);
        stopped.awaitCalls(1);
        String owner = leaseOwner();
        assertThat(owner).isNotNull();

        queue.stop(Duration.ofMillis(100));
        assertThat(leaseOwner()).as("given back at stop").isNull();
        Scripted<T> other = scripted();
        LeasedQueue<T> replica = queues().of(other);
        assertThat(VertxContextSupport.subscribeAndAwait(replica::claimOnly)).as("another replica takes it at once")
                .hasSize(1);

        stopped.finish.completeExceptionally(new IllegalStateException("too late"));
        draining.get(AWAIT.toSeconds(), TimeUnit.SECONDS);
        assertThat(leaseOwner()).as("the stopped worker's failure is not written over the new lease").isNotNull()
                .isNotEqualTo(owner);
    }

    @Test
    default void eachFailureBacksOffAsConfigured() throws Throwable {
        oneDueRow();
        for (int attempt = 1; attempt <= 4; attempt++) {
            Scripted<T> failing = scripted();
            failing.finish.completeExceptionally(new IllegalStateException("scripted failure " + attempt));
            LeasedQueue<T> queue = queues().of(failing);
            Instant now = clock().instant();
            assertThat(drain(queue)).as("attempt %d claimed", attempt).isEqualTo(1);
            assertThat(attempts()).isEqualTo(attempt);
            long capped = configuredBackoff(attempt).toMillis();
            assertThat(nextDue()).as("attempt %d backs off", attempt)
                    .isBetween(now.plusMillis(capped / 2), now.plusMillis(capped));
            assertThat(drain(queue)).as("not due before its back-off").isZero();
            clock().set(nextDue());
        }
    }

    private Scripted<T> scripted() {
        return new Scripted<>(handler(), this::storedAttempts);
    }

    private int drain(LeasedQueue<T> queue) throws Throwable {
        return VertxContextSupport.subscribeAndAwait(queue::drainOnce);
    }

    /** On a thread of its own: a drain a failed test leaves hanging must not hold up the next (a shared pool would). */
    private CompletableFuture<Integer> drainAsync(LeasedQueue<T> queue) {
        CompletableFuture<Integer> drained = new CompletableFuture<>();
        Thread worker = new Thread(() -> {
            try {
                drained.complete(drain(queue));
            } catch (Throwable e) {
                drained.completeExceptionally(e);
            }
        }, "contract-drain");
        worker.setDaemon(true);
        worker.start();
        return drained;
    }

    /** The kind's handler with a scripted call: it notes the attempt stored, waits for {@code finish}, then answers. */
    final class Scripted<T> implements QueueHandler<T> {

        final List<Integer> attemptsSeen = new CopyOnWriteArrayList<>();
        final CompletableFuture<String> finish = new CompletableFuture<>();
        /** After {@code finish}, the kind's real call. */
        volatile boolean thenRealCall;
        private final QueueHandler<T> real;
        private final Supplier<Uni<Integer>> storedAttempts;

        Scripted(QueueHandler<T> real, Supplier<Uni<Integer>> storedAttempts) {
            this.real = real;
            this.storedAttempts = storedAttempts;
        }

        void awaitCalls(int calls) throws InterruptedException {
            long until = System.nanoTime() + AWAIT.toNanos();
            while (attemptsSeen.size() < calls && System.nanoTime() < until) {
                Thread.sleep(10);
            }
            assertThat(attemptsSeen).as("called").hasSize(calls);
        }

        @Override
        public Uni<String> call(T row, int attempt) {
            // Back on the call's own context once finished: the real call may open Hibernate sessions.
            io.vertx.core.Context context = io.vertx.core.Vertx.currentContext();
            Uni<String> waited = storedAttempts.get().invoke(attemptsSeen::add)
                    .flatMap(stored -> Uni.createFrom().completionStage(finish))
                    .emitOn(task -> context.runOnContext(ignored -> task.run()));
            return thenRealCall ? waited.flatMap(ignored -> real.call(row, attempt)) : waited;
        }

        @Override
        public String kind() {
            return real.kind();
        }

        @Override
        public QueueSettings settings() {
            return real.settings();
        }

        @Override
        public Uni<List<T>> claim(SqlClient db, String owner, Instant now, Instant leaseUntil, int limit) {
            return real.claim(db, owner, now, leaseUntil, limit);
        }

        @Override
        public Uni<T> next(SqlClient db, T row, String owner, Instant now) {
            return real.next(db, row, owner, now);
        }

        @Override
        public boolean continues() {
            return real.continues();
        }

        @Override
        public Uni<Integer> countAttempt(SqlClient db, T row, String owner, Instant leaseUntil) {
            return real.countAttempt(db, row, owner, leaseUntil);
        }

        @Override
        public Uni<Boolean> succeeded(SqlClient db, T row, String owner, String outcome, Instant now) {
            return real.succeeded(db, row, owner, outcome, now);
        }

        @Override
        public Uni<Boolean> failed(SqlClient db, T row, String owner, int attempt, String error, RetryPolicy.AfterFailure next,
                Instant now) {
            return real.failed(db, row, owner, attempt, error, next, now);
        }

        @Override
        public Uni<Integer> release(SqlClient db, List<String> owners) {
            return real.release(db, owners);
        }

        @Override
        public String describe(Throwable failure) {
            return real.describe(failure);
        }
    }
}
