package io.oncallapprover.oncall;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;

import org.junit.jupiter.api.Test;

import io.oncallapprover.incidentio.IncidentIoDtos.Entry;
import io.oncallapprover.incidentio.IncidentIoDtos.Schedule;
import io.oncallapprover.incidentio.IncidentIoDtos.User;

/** The schedule list as a source of "who is on call now": when it answers, and what. Pure, no Quarkus. */
class ListedSchedulesTest {

    static final Instant T = Instant.parse("2026-03-04T12:00:00Z");
    static final Duration STALENESS = Duration.ofSeconds(10);

    static ScheduleEntry shift(String email, Instant start, Instant end) {
        return new ScheduleEntry(start, end, "fp-" + email, "R1", "L1", "u-" + email, email, email);
    }

    @Test
    void itAnswersUntilTheFirstCurrentShiftEndsAndNotAtThatInstant() {
        ListedSchedules list = new ListedSchedules(T, Map.of("S", List.of(shift("ada@example.com", T.minusSeconds(60),
                T.plusSeconds(5)), shift("bob@example.com", T.minusSeconds(60), T.plusSeconds(3600)))));
        assertThat(list.horizon("S")).isEqualTo(T.plusSeconds(5));
        assertThat(list.answers("S", T.plusSeconds(5).minusNanos(1), T.plusSeconds(5), STALENESS)).isTrue();
        assertThat(list.answers("S", T.plusSeconds(5), T.plusSeconds(5), STALENESS)).as("the handover instant").isFalse();
        assertThat(list.onCallAt("S", T.plusSeconds(4)).emails()).containsExactly("ada@example.com", "bob@example.com");
    }

    @Test
    void itAnswersNothingPastItsStalenessBoundNorForADroppedSchedule() {
        ListedSchedules list = new ListedSchedules(T, Map.of("S", List.of(), "O", List.of()));
        assertThat(list.answers("S", T, T.plus(STALENESS).minusNanos(1), STALENESS)).isTrue();
        assertThat(list.answers("S", T, T.plus(STALENESS), STALENESS)).as("data as old as the bound never answers").isFalse();
        assertThat(list.answers("M", T, T.plus(STALENESS), STALENESS)).as("not even for a missing one").isFalse();
        ListedSchedules dropped = list.drop("S");
        assertThat(dropped.answers("S", T, T, STALENESS)).isFalse();
        assertThat(dropped.answers("O", T, T, STALENESS)).as("the others still answer").isTrue();
        assertThat(dropped.drop("S")).isSameAs(dropped);
        assertThat(list.answersAll(List.of("S", "O"), T, T, STALENESS)).isTrue();
        assertThat(dropped.answersAll(List.of("S", "O"), T, T, STALENESS)).isFalse();
    }

    @Test
    void aScheduleItDoesNotListIsAnsweredAsMissingAndAnEmptyOneHasNoHorizon() {
        ListedSchedules list = new ListedSchedules(T, Map.of("S", List.of()));
        assertThat(list.lists("M")).isFalse();
        assertThat(list.answers("M", T.plusSeconds(9), T.plusSeconds(9), STALENESS)).isTrue();
        assertThat(list.horizon("S")).isEqualTo(Instant.MAX);
        assertThat(list.onCallAt("S", T).shifts()).isEmpty();
    }

    @Test
    void anEndBeforeTheFetchFromAClockBehindOursIsNoHorizon() {
        ListedSchedules list = new ListedSchedules(T, Map.of("S", List.of(shift("ada@example.com", T.minusSeconds(60), T.minusMillis(1)),
                shift("bob@example.com", T.minusSeconds(60), T.plusSeconds(60)))));
        assertThat(list.horizon("S")).isEqualTo(T.plusSeconds(60));
        assertThat(list.onCallAt("S", T).emails()).containsExactly("bob@example.com");
    }

    @Test
    void aCurrentShiftWithoutUserEmailOrBoundsIsSkippedNeverAnError() {
        Entry noUser = new Entry(T.minusSeconds(60), T.plusSeconds(60), null, "fp1", "R1", "L1", null);
        Entry noEmail = new Entry(T.minusSeconds(60), T.plusSeconds(60), null, "fp2", "R1", "L1", new User("u2", "Linus", null));
        Entry noEnd = new Entry(T.minusSeconds(60), null, null, "fp3", "R1", "L1", new User("u3", "Eve", "eve@example.com"));
        Entry ada = new Entry(T.minusSeconds(60), T.plusSeconds(60), null, "fp4", "R1", "L1", new User("u4", "Ada", "Ada@Example.com"));
        ScheduleListCache.Listing listing = ScheduleListCache.listingOf(T, List.of(
                new Schedule("S", "S", "UTC", null, java.util.Arrays.asList(noUser, null, noEmail, noEnd, ada)),
                new Schedule("E", "E", "UTC", null, null)));
        OnCallSet set = listing.shifts().onCallAt("S", T);
        assertThat(set.emails()).containsExactly("ada@example.com");
        assertThat(set.shifts().get(0).userId()).isEqualTo("u4");
        assertThat(listing.shifts().lists("E")).isTrue();
        assertThat(listing.shifts().onCallAt("E", T).shifts()).isEmpty();
        assertThat(listing.schedules()).containsKeys("S", "E");
    }

    @Test
    void theSetComputedOncePerListIsTheSetOfItsInstantAndNotOutsideItsRange() {
        // Bob's shift starts after the fetch (incident.io answered a moment later, or its clock is ahead of ours).
        Instant bobFrom = T.plusMillis(400);
        ListedSchedules list = new ListedSchedules(T, Map.of("S", List.of(shift("ada@example.com", T.minusSeconds(60), T.plusSeconds(5)),
                shift("bob@example.com", bobFrom, T.plusSeconds(3600)))));
        assertThat(list.fetchedAt()).isEqualTo(T);
        assertThat(list.onCallAt("S", T).emails()).as("before Bob's start").containsExactly("ada@example.com");
        assertThat(list.onCallAt("S", bobFrom.minusNanos(1)).emails()).containsExactly("ada@example.com");
        assertThat(list.onCallAt("S", bobFrom).emails()).containsExactly("ada@example.com", "bob@example.com");
        assertThat(list.onCallAt("S", T.plusSeconds(4)).at()).isEqualTo(T.plusSeconds(4));
        assertThat(list.onCallAt("S", T.plusSeconds(5)).emails()).as("Ada's shift is over").containsExactly("bob@example.com");
        assertThat(list.onCallAt("S", T.minusSeconds(1)).emails()).as("before the fetch").containsExactly("ada@example.com");
        assertThat(list.onCallAt("M", T).shifts()).as("a schedule not listed").isEmpty();
        assertThat(list.onCallAt("M", T).known()).isTrue();
    }
}
