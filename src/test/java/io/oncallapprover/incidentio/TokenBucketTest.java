package io.oncallapprover.incidentio;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import org.junit.jupiter.api.Test;

/** The token bucket alone: its bounds, fractional waits, a clock that steps back, and resizing by share. */
class TokenBucketTest {

    private static final long SECOND = 1_000_000_000L;

    @Test
    void aBucketNeedsACapacityAndARateOfAtLeastZero() {
        assertThatThrownBy(() -> new TokenBucket(-0.001, 1, 0)).isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> new TokenBucket(1, -0.001, 0)).isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> new TokenBucket(Double.NaN, 1, 0)).isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> new TokenBucket(1, Double.NaN, 0)).isInstanceOf(IllegalArgumentException.class);
        assertThat(new TokenBucket(0, 0, 0).available(0)).isZero();
        assertThat(new TokenBucket(3, 0, 0).available(0)).isEqualTo(3.0);
    }

    @Test
    void withoutARateOrBelowOneTokenOfCapacityTheWaitIsTheNoRateWait() {
        TokenBucket noRate = new TokenBucket(2, 0, 0);
        assertThat(noRate.take(0)).isZero();
        assertThat(noRate.take(0)).isZero();
        assertThat(noRate.take(60 * SECOND)).isEqualTo(TokenBucket.NO_RATE_WAIT_NANOS);
        TokenBucket tooSmall = new TokenBucket(0.5, 4.0, 0);
        assertThat(tooSmall.take(10 * SECOND)).as("half a token never becomes one").isEqualTo(TokenBucket.NO_RATE_WAIT_NANOS);
        TokenBucket one = new TokenBucket(1, 4.0, 0);
        assertThat(one.take(0)).isZero();
        assertThat(one.take(0)).as("a bucket of one token refills at its rate").isEqualTo(SECOND / 4);
    }

    @Test
    void theWaitIsForWhatIsMissingOfTheNextToken() {
        TokenBucket bucket = new TokenBucket(1, 2.0, 0);
        assertThat(bucket.take(0)).isZero();
        assertThat(bucket.take(SECOND / 4)).as("half a token there: a quarter second to go").isEqualTo(SECOND / 4);
    }

    @Test
    void aClockThatStepsBackTakesNothingAway() {
        TokenBucket bucket = new TokenBucket(2, 1.0, SECOND);
        assertThat(bucket.take(SECOND)).isZero();
        assertThat(bucket.available(0)).isEqualTo(1.0);
        assertThat(bucket.available(SECOND)).isEqualTo(1.0);
    }

    @Test
    void aResizeCountsTheTimeBeforeItAtTheOldRateAndCapsTheTokens() {
        TokenBucket bucket = new TokenBucket(10, 10.0, 0);
        for (int i = 0; i < 10; i++) {
            assertThat(bucket.take(0)).isZero();
        }
        bucket.resize(10, 1.0, SECOND / 2);
        assertThat(bucket.available(SECOND / 2)).as("half a second at the old rate").isEqualTo(5.0);
        assertThat(bucket.capacity()).isEqualTo(10.0);
        bucket.resize(2, 1.0, SECOND / 2);
        assertThat(bucket.available(SECOND / 2)).as("capped at the new capacity").isEqualTo(2.0);
        bucket.resize(-1, -1, SECOND);
        assertThat(bucket.capacity()).as("never below zero").isZero();
        assertThat(bucket.available(2 * SECOND)).isZero();
    }
}
