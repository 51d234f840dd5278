package io.oncallapprover.incidentio;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;
import java.time.Instant;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.NullAndEmptySource;
import org.junit.jupiter.params.provider.ValueSource;

class RetryAfterTest {

    private static final Instant NOW = Instant.parse("2026-11-26T10:00:00Z");

    @Test
    void integerSeconds() {
        assertThat(RetryAfter.parse("5", NOW)).contains(Duration.ofSeconds(5));
        assertThat(RetryAfter.parse("120", NOW)).contains(Duration.ofMinutes(2));
    }

    @Test
    void zeroSeconds() {
        assertThat(RetryAfter.parse("0", NOW)).contains(Duration.ZERO);
    }

    @Test
    void secondsWithSurroundingWhitespace() {
        assertThat(RetryAfter.parse("  7 ", NOW)).contains(Duration.ofSeconds(7));
    }

    @Test
    void negativeSecondsAreZero() {
        assertThat(RetryAfter.parse("-5", NOW)).contains(Duration.ZERO);
    }

    @Test
    void rfc1123DateInGmt() {
        assertThat(RetryAfter.parse("Thu, 26 Nov 2026 10:00:05 GMT", NOW)).contains(Duration.ofSeconds(5));
    }

    @Test
    void olderIncidentIoFormatWithUtcZoneName() {
        assertThat(RetryAfter.parse("Thu, 26 Nov 2026 10:00:05 UTC", NOW)).contains(Duration.ofSeconds(5));
    }

    @Test
    void iso8601Instant() {
        assertThat(RetryAfter.parse("2026-11-26T10:00:05Z", NOW)).contains(Duration.ofSeconds(5));
    }

    @Test
    void dateExactlyNowIsZero() {
        assertThat(RetryAfter.parse("Thu, 26 Nov 2026 10:00:00 GMT", NOW)).contains(Duration.ZERO);
    }

    @Test
    void dateInThePastIsZero() {
        assertThat(RetryAfter.parse("Thu, 26 Nov 2026 09:59:00 GMT", NOW)).contains(Duration.ZERO);
        assertThat(RetryAfter.parse("Thu, 26 Nov 2026 09:59:00 UTC", NOW)).contains(Duration.ZERO);
        assertThat(RetryAfter.parse("2026-11-26T09:00:00Z", NOW)).contains(Duration.ZERO);
    }

    @ParameterizedTest
    @NullAndEmptySource
    @ValueSource(strings = { "   ", "\t", "soon", "5s", "1.5", "Thursday", "2026-11-26", "Thu, 32 Nov 2026 10:00:05 GMT" })
    void garbageBlankOrNullIsEmpty(String value) {
        assertThat(RetryAfter.parse(value, NOW)).isEmpty();
    }
}
