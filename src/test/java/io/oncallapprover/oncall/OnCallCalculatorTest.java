package io.oncallapprover.oncall;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatCode;
import static org.assertj.core.api.Assertions.tuple;

import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

import org.junit.jupiter.api.Nested;
import org.junit.jupiter.api.Test;

class OnCallCalculatorTest {

    private static final String SCHEDULE = "01SCHEDULE";
    private static final Instant NINE = Instant.parse("2026-03-02T09:00:00Z");
    private static final Instant TEN = Instant.parse("2026-03-02T10:00:00Z");
    private static final Instant NOON = Instant.parse("2026-03-02T12:00:00Z");
    private static final Instant ONE_PM = Instant.parse("2026-03-02T13:00:00Z");
    private static final Instant TWO_PM = Instant.parse("2026-03-02T14:00:00Z");
    private static final Instant FIVE_PM = Instant.parse("2026-03-02T17:00:00Z");

    private static final String ALICE = "alice@example.com";
    private static final String BOB = "bob@example.com";
    private static final String CAROL = "carol@example.com";

    // ---- helpers ------------------------------------------------------------------------------------

    /** An entry of the rota layer "layer-1" held by the person with this email. */
    private static ScheduleEntry entry(String email, Instant start, Instant end) {
        return entry(email, start, end, "layer-1");
    }

    private static ScheduleEntry entry(String email, Instant start, Instant end, String layerId) {
        String user = email == null ? "anonymous" : email.trim().toLowerCase();
        String fingerprint = user + "/" + layerId + "/" + start + "/" + end;
        return new ScheduleEntry(start, end, fingerprint, "rotation-" + layerId, layerId, "user-" + user,
                "Name of " + user, email);
    }

    private static OnCallSet at(Instant t, ScheduleEntry... entries) {
        return OnCallCalculator.onCallAt(SCHEDULE, Arrays.asList(entries), t);
    }

    // ---- boundaries ---------------------------------------------------------------------------------

    @Nested
    class Boundaries {

        @Test
        void entryStartingExactlyAtTheInstantIsOnCall() {
            OnCallSet set = at(NINE, entry(ALICE, NINE, FIVE_PM));

            assertThat(set.emails()).containsExactly(ALICE);
        }

        @Test
        void entryEndingExactlyAtTheInstantIsNotOnCall() {
            OnCallSet set = at(FIVE_PM, entry(ALICE, NINE, FIVE_PM));

            assertThat(set.shifts()).isEmpty();
            assertThat(set.includes(ALICE)).isFalse();
        }

        @Test
        void oneNanosecondBeforeTheEndIsStillOnCall() {
            OnCallSet set = at(FIVE_PM.minusNanos(1), entry(ALICE, NINE, FIVE_PM));

            assertThat(set.includes(ALICE)).isTrue();
        }

        @Test
        void oneNanosecondBeforeTheStartIsNotOnCall() {
            OnCallSet set = at(NINE.minusNanos(1), entry(ALICE, NINE, FIVE_PM));

            assertThat(set.includes(ALICE)).isFalse();
        }

        @Test
        void handoverInstantBelongsToTheIncomingPersonOnly() {
            OnCallSet set = at(NOON, entry(ALICE, NINE, NOON), entry(BOB, NOON, FIVE_PM));

            assertThat(set.emails()).containsExactly(BOB);
        }

        @Test
        void entryOverlappingBothEdgesOfTheFetchWindowCounts() {
            Instant longBefore = NINE.minus(Duration.ofDays(30));
            Instant longAfter = NINE.plus(Duration.ofDays(30));

            OnCallSet set = at(TEN, entry(ALICE, longBefore, longAfter));

            assertThat(set.shifts()).singleElement().satisfies(shift -> {
                assertThat(shift.shiftStart()).isEqualTo(longBefore);
                assertThat(shift.shiftEnd()).isEqualTo(longAfter);
            });
        }

        @Test
        void entryEntirelyInTheFutureDoesNotCount() {
            OnCallSet set = at(TEN, entry(ALICE, NOON, FIVE_PM));

            assertThat(set.shifts()).isEmpty();
        }

        @Test
        void entryEntirelyInThePastDoesNotCount() {
            OnCallSet set = at(ONE_PM, entry(ALICE, NINE, NOON));

            assertThat(set.shifts()).isEmpty();
        }
    }

    // ---- overrides ----------------------------------------------------------------------------------

    /**
     * The final rota with an override: Alice is scheduled 09:00-17:00, Bob overrides her 12:00-14:00.
     * incident.io's {@code final} list already has Alice's shift split around Bob's override.
     */
    @Nested
    class Overrides {

        private final List<ScheduleEntry> finalRota = List.of(
                entry(ALICE, NINE, NOON),
                entry(BOB, NOON, TWO_PM, "override"),
                entry(ALICE, TWO_PM, FIVE_PM));

        @Test
        void overriddenPersonIsNotOnCallDuringTheOverride() {
            OnCallSet set = OnCallCalculator.onCallAt(SCHEDULE, finalRota, ONE_PM);

            assertThat(set.includes(ALICE)).isFalse();
            assertThat(set.emails()).containsExactly(BOB);
        }

        @Test
        void overriddenPersonIsOnCallJustBeforeTheOverride() {
            OnCallSet set = OnCallCalculator.onCallAt(SCHEDULE, finalRota, NOON.minusNanos(1));

            assertThat(set.emails()).containsExactly(ALICE);
            assertThat(set.shiftsOf(ALICE)).singleElement()
                    .satisfies(s -> assertThat(s.shiftEnd()).isEqualTo(NOON));
        }

        @Test
        void overriddenPersonIsOnCallAgainWhenTheOverrideEnds() {
            OnCallSet set = OnCallCalculator.onCallAt(SCHEDULE, finalRota, TWO_PM);

            assertThat(set.emails()).containsExactly(ALICE);
            assertThat(set.shiftsOf(ALICE)).singleElement()
                    .satisfies(s -> assertThat(s.shiftStart()).isEqualTo(TWO_PM));
        }

        @Test
        void overridingPersonIsOnCallOnlyDuringTheOverride() {
            assertThat(OnCallCalculator.onCallAt(SCHEDULE, finalRota, NOON).includes(BOB)).isTrue();
            assertThat(OnCallCalculator.onCallAt(SCHEDULE, finalRota, TEN).includes(BOB)).isFalse();
            assertThat(OnCallCalculator.onCallAt(SCHEDULE, finalRota, TWO_PM).includes(BOB)).isFalse();
        }
    }

    // ---- layers -------------------------------------------------------------------------------------

    @Nested
    class Layers {

        @Test
        void twoPeopleOnTwoLayersAreBothOnCall() {
            OnCallSet set = at(TEN, entry(BOB, NINE, FIVE_PM, "primary"), entry(ALICE, NINE, NOON, "secondary"));

            assertThat(set.emails()).containsExactly(ALICE, BOB);
            assertThat(set.includes(ALICE)).isTrue();
            assertThat(set.includes(BOB)).isTrue();
            assertThat(set.includes(CAROL)).isFalse();
        }

        @Test
        void samePersonOnTwoLayersHasBothShiftsAsEvidenceButIsListedOnce() {
            ScheduleEntry primary = entry(ALICE, NINE, FIVE_PM, "primary");
            ScheduleEntry secondary = entry(ALICE, TEN, NOON, "secondary");

            OnCallSet set = at(TEN, secondary, primary);

            assertThat(set.emails()).containsExactly(ALICE);
            assertThat(set.shiftsOf(ALICE))
                    .extracting(OnCallShift::fingerprint)
                    .containsExactly(primary.fingerprint(), secondary.fingerprint());
        }

        @Test
        void samePersonOnTwoLayersWithIdenticalTimesKeepsBothShifts() {
            ScheduleEntry primary = entry(ALICE, NINE, FIVE_PM, "primary");
            ScheduleEntry secondary = entry(ALICE, NINE, FIVE_PM, "secondary");

            OnCallSet set = at(TEN, primary, secondary);

            assertThat(set.shifts()).hasSize(2);
            assertThat(set.emails()).containsExactly(ALICE);
        }

        /** A step may count one rotation and not the other: the same shift in two rotations is two shifts. */
        @Test
        void theSameShiftInTwoRotationsKeepsBothRotations() {
            ScheduleEntry primary = entry(ALICE, NINE, FIVE_PM, "primary");
            ScheduleEntry sameInAnother = new ScheduleEntry(NINE, FIVE_PM, primary.fingerprint(), "rotation-other", "primary",
                    primary.userId(), primary.userName(), ALICE);
            ScheduleEntry override = new ScheduleEntry(NINE, FIVE_PM, primary.fingerprint(), null, null, primary.userId(),
                    primary.userName(), ALICE);

            OnCallSet set = at(TEN, primary, sameInAnother, override, primary);

            assertThat(set.shifts()).extracting(OnCallShift::rotationId)
                    .containsExactlyInAnyOrder("rotation-primary", "rotation-other", null);
        }
    }

    // ---- users and emails ---------------------------------------------------------------------------

    @Nested
    class UsersAndEmails {

        @Test
        void entryWithoutUserIsSkipped() {
            ScheduleEntry noUser = new ScheduleEntry(NINE, FIVE_PM, "fp-nobody", "rot", "layer", null, null, null);

            OnCallSet set = at(TEN, noUser, entry(ALICE, NINE, FIVE_PM));

            assertThat(set.emails()).containsExactly(ALICE);
        }

        @Test
        void entryWithUserButNullEmailIsSkipped() {
            ScheduleEntry noEmail = new ScheduleEntry(NINE, FIVE_PM, "fp", "rot", "layer", "user-1", "No Mail", null);

            assertThatCode(() -> at(TEN, noEmail)).doesNotThrowAnyException();
            assertThat(at(TEN, noEmail).shifts()).isEmpty();
        }

        @Test
        void entryWithUserButBlankEmailIsSkipped() {
            ScheduleEntry blank = new ScheduleEntry(NINE, FIVE_PM, "fp1", "rot", "layer", "user-1", "Blank", "   ");
            ScheduleEntry empty = new ScheduleEntry(NINE, FIVE_PM, "fp2", "rot", "layer", "user-2", "Empty", "");

            OnCallSet set = at(TEN, blank, empty, entry(BOB, NINE, FIVE_PM));

            assertThat(set.emails()).containsExactly(BOB);
        }

        @Test
        void nullEntriesAreSkipped() {
            List<ScheduleEntry> withNulls = new ArrayList<>();
            withNulls.add(null);
            withNulls.add(entry(ALICE, NINE, FIVE_PM));
            withNulls.add(null);

            OnCallSet set = OnCallCalculator.onCallAt(SCHEDULE, withNulls, TEN);

            assertThat(set.emails()).containsExactly(ALICE);
        }

        @Test
        void emailsAreTrimmedAndLowerCased() {
            OnCallSet set = at(TEN, entry("  Alice@Example.COM \t", NINE, FIVE_PM));

            assertThat(set.emails()).containsExactly(ALICE);
            assertThat(set.shifts()).singleElement()
                    .satisfies(s -> assertThat(s.email()).isEqualTo(ALICE));
        }

        @Test
        void includesAndShiftsOfMatchCaseInsensitivelyAndIgnorePadding() {
            OnCallSet set = at(TEN, entry("Alice@Example.com", NINE, FIVE_PM));

            assertThat(set.includes("ALICE@EXAMPLE.COM")).isTrue();
            assertThat(set.includes(" alice@example.com ")).isTrue();
            assertThat(set.shiftsOf("aLiCe@eXaMpLe.CoM")).hasSize(1);
            assertThat(set.includes("alice@example.org")).isFalse();
        }

        @Test
        void includesIsFalseForNullOrBlankRequester() {
            OnCallSet set = at(TEN, entry(ALICE, NINE, FIVE_PM));

            assertThat(set.includes(null)).isFalse();
            assertThat(set.includes("  ")).isFalse();
            assertThat(set.shiftsOf(null)).isEmpty();
        }

        @Test
        void sameShiftWithDifferentlyCasedEmailsCountsOnce() {
            ScheduleEntry lower = entry(ALICE, NINE, FIVE_PM);
            ScheduleEntry upper = new ScheduleEntry(lower.startAt(), lower.endAt(), lower.fingerprint(),
                    lower.rotationId(), lower.layerId(), lower.userId(), lower.userName(), "ALICE@example.com");

            assertThat(at(TEN, lower, upper).shifts()).hasSize(1);
        }

        @Test
        void shiftCarriesScheduleUserNameFingerprintRotationLayerAndUserId() {
            ScheduleEntry e = entry(ALICE, NINE, FIVE_PM);

            OnCallShift shift = at(TEN, e).shifts().get(0);

            // The user id is what an escalation to the people on call pages.
            assertThat(shift).isEqualTo(new OnCallShift(SCHEDULE, ALICE, e.userName(), NINE, FIVE_PM, e.fingerprint(),
                    "rotation-layer-1", "layer-1", e.userId()));
            assertThat(shift.userId()).isNotBlank();
        }
    }

    // ---- duplicates, pages, ordering ----------------------------------------------------------------

    @Nested
    class PagesAndOrdering {

        @Test
        void sameShiftRepeatedOnTwoPagesCountsOnce() {
            ScheduleEntry shift = entry(ALICE, NINE, FIVE_PM);
            List<ScheduleEntry> page1 = List.of(shift, entry(BOB, NINE, NOON, "secondary"));
            List<ScheduleEntry> page2 = List.of(shift);

            OnCallSet set = OnCallCalculator.onCallAt(SCHEDULE, concat(page1, page2), TEN);

            assertThat(set.shifts()).hasSize(2);
            assertThat(set.shiftsOf(ALICE)).hasSize(1);
        }

        @Test
        void entriesFromTwoPagesAreCombined() {
            List<ScheduleEntry> page1 = List.of(entry(CAROL, NINE, FIVE_PM, "primary"), entry(ALICE, NINE, TEN, "primary"));
            List<ScheduleEntry> page2 = List.of(entry(BOB, NINE, FIVE_PM, "secondary"));

            OnCallSet set = OnCallCalculator.onCallAt(SCHEDULE, concat(page1, page2), TEN);

            assertThat(set.emails()).containsExactly(BOB, CAROL);
        }

        @Test
        void resultIsSortedByEmailThenShiftStart() {
            OnCallSet set = at(ONE_PM,
                    entry(CAROL, NINE, FIVE_PM, "a"),
                    entry(ALICE, NOON, FIVE_PM, "b"),
                    entry(BOB, TEN, FIVE_PM, "c"),
                    entry(ALICE, NINE, FIVE_PM, "d"));

            assertThat(set.shifts())
                    .extracting(OnCallShift::email, OnCallShift::shiftStart)
                    .containsExactly(
                            tuple(ALICE, NINE),
                            tuple(ALICE, NOON),
                            tuple(BOB, TEN),
                            tuple(CAROL, NINE));
        }

        @Test
        void setRecordsScheduleAndInstant() {
            OnCallSet set = at(TEN, entry(ALICE, NINE, FIVE_PM));

            assertThat(set.scheduleId()).isEqualTo(SCHEDULE);
            assertThat(set.at()).isEqualTo(TEN);
            assertThat(set.shifts()).allSatisfy(s -> assertThat(s.scheduleId()).isEqualTo(SCHEDULE));
        }

        @Test
        void emptyInputGivesEmptySet() {
            OnCallSet set = OnCallCalculator.onCallAt(SCHEDULE, List.of(), TEN);

            assertThat(set.shifts()).isEmpty();
            assertThat(set.emails()).isEmpty();
        }

        private List<ScheduleEntry> concat(List<ScheduleEntry> a, List<ScheduleEntry> b) {
            List<ScheduleEntry> all = new ArrayList<>(a);
            all.addAll(b);
            return all;
        }
    }
}
