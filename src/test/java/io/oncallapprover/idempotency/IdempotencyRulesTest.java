package io.oncallapprover.idempotency;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Random;

import org.junit.jupiter.api.Test;

import io.oncallapprover.idempotency.IdempotencyRules.Outcome;
import io.oncallapprover.idempotency.IdempotencyRules.Seen;
import io.oncallapprover.idempotency.IdempotencyRules.State;

/**
 * {@link IdempotencyRules} against a reference model written from the table in docs/idempotency.md,
 * on cases drawn from a seeded {@link Random} (every run the same unless {@code -Dprops.seed=N}),
 * with instants on and around the edges (retention end, lease end) drawn often; plus the named cases.
 */
class IdempotencyRulesTest {

    static final int TRIES = Integer.getInteger("props.tries", 5000);
    static final long SEED = Long.getLong("props.seed", 20260304L);

    static final Instant NOW = Instant.parse("2026-03-04T12:00:00Z");
    static final Duration RETENTION = Duration.ofHours(24);
    static final List<String> FINGERPRINTS = List.of("a".repeat(64), "b".repeat(64));

    /**
     * The table, in plain millisecond arithmetic: nothing stored or forgotten (created at least a
     * retention ago) runs; a stored key of another fingerprint is reused; answered replays; running
     * under a lease that has not ended (ends after now) waits; a lapsed lease runs.
     */
    static Outcome model(Seen seen, String fingerprint, Instant now, Duration retention) {
        boolean stored = seen != null && seen.createdAt().toEpochMilli() + retention.toMillis() > now.toEpochMilli();
        if (!stored) {
            return Outcome.RUN;
        }
        boolean same = seen.fingerprint().equals(fingerprint);
        boolean done = seen.state() == State.DONE;
        boolean leaseLive = seen.lockedUntil().toEpochMilli() > now.toEpochMilli();
        if (!same) {
            return Outcome.REUSED;
        }
        return done ? Outcome.REPLAY : leaseLive ? Outcome.WAIT : Outcome.RUN;
    }

    @Test
    void theRulesAgreeWithTheModelOnRandomCases() {
        Random random = new Random(SEED);
        for (int i = 0; i < TRIES; i++) {
            Seen seen = random.nextInt(8) == 0 ? null
                    : new Seen(random.nextBoolean() ? State.DONE : State.IN_PROGRESS, pick(random, FINGERPRINTS),
                            NOW.minus(RETENTION).plusMillis(offset(random, RETENTION.toMillis())),
                            NOW.plusMillis(offset(random, 30_000)));
            String fingerprint = pick(random, FINGERPRINTS);
            assertThat(IdempotencyRules.decide(seen, fingerprint, NOW, RETENTION))
                    .as("case %d of seed %d: %s, %s", i, SEED, seen, fingerprint)
                    .isEqualTo(model(seen, fingerprint, NOW, RETENTION));
        }
    }

    @Test
    void everyCombinationOfTheTableIsDrawn() {
        Random random = new Random(SEED);
        java.util.Set<Outcome> outcomes = java.util.EnumSet.noneOf(Outcome.class);
        for (int i = 0; i < TRIES; i++) {
            Seen seen = new Seen(random.nextBoolean() ? State.DONE : State.IN_PROGRESS, pick(random, FINGERPRINTS),
                    NOW.minus(RETENTION).plusMillis(offset(random, RETENTION.toMillis())), NOW.plusMillis(offset(random, 30_000)));
            outcomes.add(model(seen, pick(random, FINGERPRINTS), NOW, RETENTION));
        }
        assertThat(outcomes).as("the generator reaches every outcome").containsExactlyInAnyOrder(Outcome.values());
    }

    @Test
    void namedCases() {
        String same = FINGERPRINTS.get(0);
        String other = FINGERPRINTS.get(1);
        Instant recent = NOW.minusSeconds(60);
        assertThat(IdempotencyRules.decide(null, same, NOW, RETENTION)).isEqualTo(Outcome.RUN);
        assertThat(IdempotencyRules.decide(new Seen(State.DONE, same, recent, recent), same, NOW, RETENTION))
                .isEqualTo(Outcome.REPLAY);
        assertThat(IdempotencyRules.decide(new Seen(State.DONE, same, recent, recent), other, NOW, RETENTION))
                .isEqualTo(Outcome.REUSED);
        assertThat(IdempotencyRules.decide(new Seen(State.IN_PROGRESS, same, recent, NOW.plusSeconds(1)), same, NOW, RETENTION))
                .as("the first still runs").isEqualTo(Outcome.WAIT);
        assertThat(IdempotencyRules.decide(new Seen(State.IN_PROGRESS, other, recent, NOW.plusSeconds(1)), same, NOW, RETENTION))
                .as("a reuse is told at once, even while the first runs").isEqualTo(Outcome.REUSED);
        assertThat(IdempotencyRules.decide(new Seen(State.IN_PROGRESS, same, recent, NOW), same, NOW, RETENTION))
                .as("a lease ends at its instant").isEqualTo(Outcome.RUN);
        assertThat(IdempotencyRules.decide(new Seen(State.DONE, other, NOW.minus(RETENTION), recent), same, NOW, RETENTION))
                .as("forgotten at the retention's end, whatever it held").isEqualTo(Outcome.RUN);
        assertThat(IdempotencyRules.decide(new Seen(State.DONE, same, NOW.minus(RETENTION).plusMillis(1), recent), same, NOW,
                RETENTION)).as("kept until then").isEqualTo(Outcome.REPLAY);
    }

    @Test
    void keptAnswersAreSuccessesAndRefusalsThatWouldRecur() {
        for (int status = 100; status < 600; status++) {
            boolean success = status / 100 == 2;
            boolean refusal = status / 100 == 4 && !List.of(408, 409, 429).contains(status);
            assertThat(IdempotencyRules.keeps(status)).as("status %d", status).isEqualTo(success || refusal);
        }
    }

    /** An offset in [-span, span] ms, a third of the time within a few ms of 0 (the edges). */
    private static long offset(Random random, long span) {
        return random.nextInt(3) == 0 ? random.nextInt(5) - 2 : (long) ((random.nextDouble() * 2 - 1) * span);
    }

    private static <T> T pick(Random random, List<T> values) {
        return values.get(random.nextInt(values.size()));
    }
}
