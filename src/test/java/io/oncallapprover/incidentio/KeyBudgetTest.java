package io.oncallapprover.incidentio;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.LongFunction;

import org.junit.jupiter.api.Test;

import io.smallrye.mutiny.Uni;
import io.smallrye.mutiny.subscription.UniEmitter;

/** The outgoing budget of one key: rate (token bucket on a fake clock) and bulkhead, without Quarkus. */
class KeyBudgetTest {

    private final AtomicLong nanos = new AtomicLong(1_000_000_000L);
    private final List<Long> delays = new ArrayList<>();
    private final List<UniEmitter<? super Void>> parkedDelays = new ArrayList<>();
    private final LongFunction<Uni<Void>> delay = wait -> {
        delays.add(wait);
        return Uni.createFrom().emitter(parkedDelays::add);
    };
    private final AtomicInteger calls = new AtomicInteger();
    private final List<UniEmitter<? super String>> parked = new ArrayList<>();

    private Uni<String> call() {
        return Uni.createFrom().emitter(emitter -> {
            calls.incrementAndGet();
            parked.add(emitter);
        });
    }

    private Uni<String> quickCall() {
        return Uni.createFrom().item(() -> "ok" + calls.incrementAndGet());
    }

    @Test
    void theBucketAllowsItsBurstThenItsRateAndSaysHowLongToWait() {
        TokenBucket bucket = new TokenBucket(3, 2.0, 0);
        assertThat(bucket.take(0)).isZero();
        assertThat(bucket.take(0)).isZero();
        assertThat(bucket.take(0)).isZero();
        assertThat(bucket.take(0)).isEqualTo(500_000_000L); // 2 per second: the next token in 0.5 s
        assertThat(bucket.take(499_999_999L)).isPositive();
        assertThat(bucket.take(500_000_000L)).isZero();
        assertThat(bucket.available(60_000_000_000L)).isEqualTo(3.0); // never more than the burst
    }

    @Test
    void anInteractiveCallFailsAtOnceWhenTheRateIsSpentWithTheWaitItWouldNeed() {
        KeyBudget budget = new KeyBudget(2, 1.0, 8, 64, nanos::get);
        assertThat(budget.run(true, Long.MIN_VALUE, this::quickCall, delay).await().indefinitely()).isEqualTo("ok1");
        assertThat(budget.run(true, Long.MIN_VALUE, this::quickCall, delay).await().indefinitely()).isEqualTo("ok2");
        assertThatThrownBy(() -> budget.run(true, Long.MIN_VALUE, this::quickCall, delay).await().indefinitely())
                .isInstanceOfSatisfying(KeyBudget.Refused.class, e -> {
                    assertThat(e.refusal.bulkheadFull()).isFalse();
                    assertThat(e.refusal.waitNanos()).isEqualTo(1_000_000_000L);
                });
        assertThat(calls).hasValue(2);
        assertThat(budget.inFlight()).as("the refused call gave its slot back").isZero();
        assertThat(KeyBudgets.retryAfter(1_000_000_000L)).isEqualTo(Duration.ofSeconds(1));
        assertThat(KeyBudgets.retryAfter(1_000_000_001L)).isEqualTo(Duration.ofSeconds(2));
        assertThat(KeyBudgets.retryAfter(1L)).isEqualTo(Duration.ofSeconds(1));
    }

    @Test
    void backgroundWorkWaitsForATokenInsteadOfFailing() {
        KeyBudget budget = new KeyBudget(1, 1.0, 8, 64, nanos::get);
        budget.run(false, Long.MAX_VALUE, this::quickCall, delay).await().indefinitely();
        CompletableFuture<String> waiting = budget.run(false, Long.MAX_VALUE, this::quickCall, delay).subscribe().asCompletionStage();
        assertThat(delays).containsExactly(1_000_000_000L);
        assertThat(waiting).isNotDone();
        assertThat(budget.inFlight()).as("no slot is held while waiting for a token").isZero();
        nanos.addAndGet(1_000_000_000L);
        parkedDelays.get(0).complete(null);
        assertThat(waiting.join()).isEqualTo("ok2");
    }

    @Test
    void theBulkheadLetsMaxConcurrentCallsGoAndServesWaitersInOrder() {
        KeyBudget budget = new KeyBudget(100, 100.0, 2, 1, nanos::get);
        var a = budget.run(true, Long.MIN_VALUE, this::call, delay).subscribe().asCompletionStage();
        var b = budget.run(true, Long.MIN_VALUE, this::call, delay).subscribe().asCompletionStage();
        var c = budget.run(true, Long.MIN_VALUE, this::call, delay).subscribe().asCompletionStage();
        assertThat(calls).as("two in flight, the third waits").hasValue(2);
        assertThatThrownBy(() -> budget.run(true, Long.MIN_VALUE, this::call, delay).await().indefinitely())
                .as("the waiting line (1) is full").isInstanceOfSatisfying(KeyBudget.Refused.class,
                        e -> assertThat(e.refusal.bulkheadFull()).isTrue());
        var background = budget.run(false, Long.MAX_VALUE, this::call, delay).subscribe().asCompletionStage();
        assertThat(budget.waiting()).as("background work may always wait").isEqualTo(2);
        parked.get(0).complete("a");
        assertThat(a.join()).isEqualTo("a");
        assertThat(calls).as("the first waiter got the slot").hasValue(3);
        parked.get(2).complete("c");
        assertThat(c.join()).isEqualTo("c");
        assertThat(calls).hasValue(4);
        parked.get(1).complete("b");
        parked.get(3).complete("bg");
        assertThat(b.join()).isEqualTo("b");
        assertThat(background.join()).isEqualTo("bg");
        assertThat(budget.inFlight()).isZero();
    }

    @Test
    void aCallerGivingUpFreesItsSlotOrItsPlaceInLine() {
        KeyBudget budget = new KeyBudget(100, 100.0, 1, 4, nanos::get);
        var running = budget.run(true, Long.MIN_VALUE, this::call, delay).subscribe().asCompletionStage();
        var waiting = budget.run(true, Long.MIN_VALUE, this::call, delay).subscribe().asCompletionStage();
        waiting.cancel(true);
        assertThat(budget.waiting()).isZero();
        running.cancel(true);
        assertThat(budget.inFlight()).isZero();
        assertThat(budget.run(true, Long.MIN_VALUE, this::quickCall, delay).await().indefinitely()).startsWith("ok");
        assertThat(budget.inFlight()).isZero();
    }

    @Test
    void aFailedCallGivesItsSlotBack() {
        KeyBudget budget = new KeyBudget(100, 100.0, 1, 4, nanos::get);
        assertThatThrownBy(() -> budget.run(true, Long.MIN_VALUE, () -> Uni.createFrom().<String> failure(new IllegalStateException("x")), delay)
                .await().indefinitely()).isInstanceOf(IllegalStateException.class);
        assertThat(budget.inFlight()).isZero();
    }

    @Test
    void anInteractiveCallWaitsForItsTokenWhenItComesWithinTheCallersDeadline() {
        KeyBudget budget = new KeyBudget(1, 2.0, 8, 64, nanos::get);
        budget.run(true, Long.MIN_VALUE, this::quickCall, delay).await().indefinitely();
        long deadline = nanos.get() + 600_000_000L; // the token comes in 0.5 s: within
        CompletableFuture<String> waiting = budget.run(true, deadline, this::quickCall, delay).subscribe().asCompletionStage();
        assertThat(delays).containsExactly(500_000_000L);
        assertThat(waiting).as("waits instead of failing").isNotDone();
        assertThat(budget.inFlight()).as("no slot is held while waiting for a token").isZero();
        nanos.addAndGet(500_000_000L);
        parkedDelays.get(0).complete(null);
        assertThat(waiting.join()).isEqualTo("ok2");
    }

    @Test
    void anInteractiveCallWhoseTokenComesAfterItsDeadlineFailsAtOnce() {
        KeyBudget budget = new KeyBudget(1, 2.0, 8, 64, nanos::get);
        budget.run(true, Long.MIN_VALUE, this::quickCall, delay).await().indefinitely();
        long deadline = nanos.get() + 499_999_999L; // one nanosecond short of the next token
        assertThatThrownBy(() -> budget.run(true, deadline, this::quickCall, delay).await().indefinitely())
                .isInstanceOfSatisfying(KeyBudget.Refused.class, e -> assertThat(e.refusal.waitNanos()).isEqualTo(500_000_000L));
        assertThat(delays).as("nothing waited").isEmpty();
        assertThat(calls).hasValue(1);
        assertThat(budget.inFlight()).isZero();
    }

    @Test
    void aWaitThatOutlastsTheDeadlineAfterAnotherCallerTookTheTokenFailsThen() {
        KeyBudget budget = new KeyBudget(1, 2.0, 8, 64, nanos::get);
        budget.run(true, Long.MIN_VALUE, this::quickCall, delay).await().indefinitely();
        long deadline = nanos.get() + 700_000_000L;
        CompletableFuture<String> waiting = budget.run(true, deadline, this::quickCall, delay).subscribe().asCompletionStage();
        nanos.addAndGet(500_000_000L);
        budget.run(true, Long.MIN_VALUE, this::quickCall, delay).await().indefinitely(); // someone else takes the token first
        parkedDelays.get(0).complete(null);
        assertThat(waiting).as("the next token would come after the deadline").isCompletedExceptionally();
        assertThat(calls).hasValue(2);
    }

    @Test
    void theBucketIsTheReplicasShareOfTheLimitAndFollowsIt() {
        java.util.concurrent.atomic.AtomicReference<Double> share = new java.util.concurrent.atomic.AtomicReference<>(0.5);
        KeyBudget budget = new KeyBudget(10, 10.0, share::get, 1.0, 8, 64, nanos::get);
        assertThat(budget.tokens()).as("half of a bucket of 10").isEqualTo(5.0);
        for (int i = 0; i < 5; i++) {
            budget.run(true, Long.MIN_VALUE, this::quickCall, delay).await().indefinitely();
        }
        assertThatThrownBy(() -> budget.run(true, Long.MIN_VALUE, this::quickCall, delay).await().indefinitely())
                .isInstanceOfSatisfying(KeyBudget.Refused.class, e -> assertThat(e.refusal.waitNanos())
                        .as("half the rate: 5 a second").isEqualTo(200_000_000L));
        share.set(1.0);
        assertThat(budget.tokens()).as("a larger share raises the ceiling, not the tokens").isEqualTo(0.0);
        nanos.addAndGet(1_000_000_000L);
        assertThat(budget.tokens()).as("refilled at the whole rate").isEqualTo(10.0);
        share.set(0.25);
        assertThat(budget.tokens()).as("a smaller share drops what is above it at once").isEqualTo(2.5);
        share.set(0.0);
        assertThat(budget.tokens()).isEqualTo(0.0);
        assertThatThrownBy(() -> budget.run(true, Long.MIN_VALUE, this::quickCall, delay).await().indefinitely())
                .as("no share, no call").isInstanceOf(KeyBudget.Refused.class);
        nanos.addAndGet(60_000_000_000L);
        assertThat(budget.tokens()).as("nothing refills without a share").isEqualTo(0.0);
        CompletableFuture<String> background = budget.run(false, Long.MAX_VALUE, this::quickCall, delay).subscribe().asCompletionStage();
        assertThat(background).as("background work waits for a share").isNotDone();
        share.set(0.1);
        parkedDelays.get(parkedDelays.size() - 1).complete(null);
        assertThat(delays.get(delays.size() - 1)).as("1 token a second at a tenth of the rate, from now").isEqualTo(1_000_000_000L);
        nanos.addAndGet(1_000_000_000L);
        parkedDelays.get(parkedDelays.size() - 1).complete(null);
        assertThat(background.join()).startsWith("ok");
    }

    @Test
    void aSmallShareStillLetsOneCallGo() {
        KeyBudget budget = new KeyBudget(5, 1.0, () -> 0.1, 1.0, 8, 64, nanos::get);
        assertThat(budget.tokens()).as("a tenth of 5 is below one call: one token").isEqualTo(1.0);
        assertThat(budget.run(true, Long.MIN_VALUE, this::quickCall, delay).await().indefinitely()).isEqualTo("ok1");
    }

    @Test
    void theBucketFollowsIncidentIosModelAFullBucketThenItsRate() {
        // incident.io: a bucket of 1,200 refilled at 20/s. A greedy caller gets 1,200 at once, then 20 a second.
        TokenBucket bucket = new TokenBucket(1200, 20.0, 0);
        int first = 0;
        while (bucket.take(0) == 0) {
            first++;
        }
        assertThat(first).isEqualTo(1200);
        int next = 0;
        for (long t = 0; t <= 10_000_000_000L; t += 10_000_000L) {
            while (bucket.take(t) == 0) {
                next++;
            }
        }
        assertThat(next).as("ten seconds at 20/s").isEqualTo(200);
    }
}
