package io.oncallapprover.queue;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.time.Duration;
import java.time.Instant;
import java.util.Random;

import org.junit.jupiter.api.Test;

import io.oncallapprover.queue.RetryPolicy.AfterFailure;
import io.oncallapprover.queue.RetryPolicy.GiveUp;
import io.oncallapprover.queue.RetryPolicy.RetryAt;

/** The pure rules of the leased queues, against a reference model, with seeded generators (no Quarkus). */
class RetryPolicyTest {

    private static final Instant NOW = Instant.parse("2026-12-07T10:00:00Z");

    /** The reference: equal jitter over a doubling, capped wait; the other side's wait when longer; give up at the maximum. */
    private static AfterFailure reference(RetryPolicy p, int attempt, Instant now, Duration asked, double random) {
        if (attempt >= p.maxAttempts()) {
            return new GiveUp(attempt);
        }
        long base = p.firstBackoff().toMillis();
        for (int i = 1; i < attempt && i <= 20; i++) {
            base *= 2;
        }
        long capped = Math.min(base, p.maxBackoff().toMillis());
        long half = capped / 2;
        long wait = half + (long) Math.floor(random * (half + 1));
        if (asked != null && asked.toMillis() > wait) {
            wait = asked.toMillis();
        }
        return new RetryAt(now.plusMillis(wait));
    }

    @Test
    void agreesWithTheReferenceModel() {
        Random seeds = new Random(20261207L);
        for (int run = 0; run < 20_000; run++) {
            RetryPolicy policy = new RetryPolicy(Duration.ofMillis(1 + seeds.nextInt(5_000)),
                    Duration.ofMillis(1 + seeds.nextInt(3_600_000)), 1 + seeds.nextInt(30));
            int attempt = 1 + seeds.nextInt(35);
            Duration asked = seeds.nextInt(4) == 0 ? Duration.ofMillis(seeds.nextInt(7_200_000)) : null;
            double random = seeds.nextDouble();
            assertThat(policy.afterFailure(attempt, NOW, asked, random))
                    .as("run %d: %s, attempt %d, asked %s, random %s", run, policy, attempt, asked, random)
                    .isEqualTo(reference(policy, attempt, NOW, asked, random));
        }
    }

    @Test
    void theWaitStaysBetweenHalfTheCappedDoublingAndItAndHonoursWhatWasAsked() {
        RetryPolicy policy = new RetryPolicy(Duration.ofSeconds(2), Duration.ofMinutes(10), 12);
        assertThat(policy.afterFailure(1, NOW, null, 0.0)).isEqualTo(new RetryAt(NOW.plusSeconds(1)));
        assertThat(policy.afterFailure(1, NOW, null, 0.999_999)).isEqualTo(new RetryAt(NOW.plusSeconds(2)));
        assertThat(policy.afterFailure(3, NOW, null, 0.0)).isEqualTo(new RetryAt(NOW.plusSeconds(4)));
        assertThat(policy.afterFailure(11, NOW, null, 0.0)).as("capped").isEqualTo(new RetryAt(NOW.plusSeconds(300)));
        assertThat(policy.afterFailure(2, NOW, Duration.ofSeconds(30), 0.5)).as("Retry-After longer")
                .isEqualTo(new RetryAt(NOW.plusSeconds(30)));
        assertThat(policy.afterFailure(12, NOW, Duration.ofSeconds(30), 0.5)).isEqualTo(new GiveUp(12));
        assertThatThrownBy(() -> new RetryPolicy(Duration.ofSeconds(1), Duration.ofSeconds(1), 0))
                .isInstanceOf(IllegalArgumentException.class);
    }

    /**
     * A row's life as the queue drives it, with crashes: the attempt is counted before the call, so a crash
     * during the call spends it; a row is called at most {@code maxAttempts} times (an attempt counted past the
     * maximum is given up uncalled), never before its next attempt, and given up exactly at the maximum.
     */
    @Test
    void aRowIsCalledAtMostMaxAttemptsTimesEvenWhenWorkersCrashDuringTheCall() {
        Random random = new Random(7L);
        for (int run = 0; run < 5_000; run++) {
            RetryPolicy policy = new RetryPolicy(Duration.ofSeconds(1), Duration.ofMinutes(5), 1 + random.nextInt(12));
            Instant due = NOW;
            int attempts = 0;
            int calls = 0;
            String end = null;
            while (end == null) {
                Instant clock = due.plusMillis(random.nextInt(1_000)); // claimed when due, never before
                attempts++; // counted right before the call
                if (!policy.mayCall(attempts)) {
                    end = "FAILED"; // the last attempt crashed: given up without another call
                    break;
                }
                calls++;
                int what = random.nextInt(10);
                if (what < 3) { // crashed during the call: nothing recorded, taken again when the lease lapses
                    due = clock.plusSeconds(30);
                } else if (what < 5) {
                    end = "DONE";
                } else {
                    AfterFailure next = policy.afterFailure(attempts, clock, null, random.nextDouble());
                    if (next instanceof GiveUp up) {
                        assertThat(up.attempts()).isEqualTo(policy.maxAttempts());
                        end = "FAILED";
                    } else {
                        assertThat(attempts).isLessThan(policy.maxAttempts());
                        due = ((RetryAt) next).at();
                        assertThat(due).isAfter(clock);
                    }
                }
            }
            assertThat(calls).as("run %d", run).isLessThanOrEqualTo(policy.maxAttempts()).isLessThanOrEqualTo(attempts);
            if (end.equals("FAILED")) {
                assertThat(attempts).isGreaterThanOrEqualTo(policy.maxAttempts());
            }
        }
    }
}
