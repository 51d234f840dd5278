package io.oncallapprover.oncall;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;
import java.time.Instant;
import java.util.List;

import org.junit.jupiter.api.Test;

import io.oncallapprover.oncall.ScheduleEntriesCache.FetchedEntries;

/** When cached entries may answer for an instant (the benchmark found a double fetch here). */
class FetchedEntriesWindowTest {

    static final Instant START = Instant.parse("2026-03-04T12:00:00Z");
    static final FetchedEntries FETCHED = new FetchedEntries("01S", START, START.plus(Duration.ofMinutes(1)), List.of());

    @Test
    void answersInsideItsWindow() {
        assertThat(FETCHED.usableAt(START)).isTrue();
        assertThat(FETCHED.usableAt(START.plusSeconds(59))).isTrue();
    }

    @Test
    void answersForACallerWhoseInstantWasTakenJustBeforeTheSharedFetchStarted() {
        assertThat(FETCHED.usableAt(START.minusMillis(3))).isTrue();
        assertThat(FETCHED.usableAt(START.minus(ScheduleEntriesCache.EARLY_TOLERANCE))).isTrue();
    }

    @Test
    void doesNotAnswerOutsideItsWindow() {
        assertThat(FETCHED.usableAt(START.minus(ScheduleEntriesCache.EARLY_TOLERANCE).minusMillis(1))).isFalse();
        assertThat(FETCHED.usableAt(START.plus(Duration.ofMinutes(1)))).isFalse();
        assertThat(FETCHED.usableAt(START.plus(Duration.ofHours(2)))).isFalse();
    }
}
