package io.oncallapprover.approval;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatCode;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.tuple;

import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Optional;

import org.junit.jupiter.api.Nested;
import org.junit.jupiter.api.Test;

import io.oncallapprover.oncall.OnCallSet;
import io.oncallapprover.oncall.OnCallShift;

class AutoApprovalRulesTest {

    private static final Instant NOW = Instant.parse("2026-03-02T10:00:00Z");
    private static final Instant SHIFT_START = Instant.parse("2026-03-02T09:00:00Z");
    private static final Instant SHIFT_END = Instant.parse("2026-03-02T17:00:00Z");
    private static final Duration GRANT = Duration.ofHours(1);

    private static final String PRIMARY = "01PRIMARY";
    private static final String SECONDARY = "01SECONDARY";
    private static final String OTHER = "01NOT_CONFIGURED";
    private static final String ALICE = "alice@example.com";
    private static final String BOB = "bob@example.com";

    private static OnCallShift shift(String scheduleId, String email, Instant start, Instant end) {
        return new OnCallShift(scheduleId, email, "Name of " + email, start, end, scheduleId + "/" + email + "/" + start);
    }

    private static OnCallSet set(String scheduleId, OnCallShift... shifts) {
        return new OnCallSet(scheduleId, NOW, List.of(shifts));
    }

    @Nested
    class Precheck {

        @Test
        void emptyScheduleListDeniesWithNoSchedules() {
            Optional<AutoApprovalDecision> decision = AutoApprovalRules.precheck(List.of(), false, "reason", NOW);

            assertThat(decision).hasValueSatisfying(d -> {
                assertThat(d.approved()).isFalse();
                assertThat(d.code()).isEqualTo(CheckCode.NO_SCHEDULES);
                assertThat(d.evidence()).isEmpty();
                assertThat(d.checkedAt()).isEqualTo(NOW);
                assertThat(d.expiresAt()).isNull();
            });
        }

        @Test
        void nullScheduleListDeniesWithNoSchedules() {
            Optional<AutoApprovalDecision> decision = AutoApprovalRules.precheck(null, false, null, NOW);

            assertThat(decision).hasValueSatisfying(d -> {
                assertThat(d.approved()).isFalse();
                assertThat(d.code()).isEqualTo(CheckCode.NO_SCHEDULES);
            });
        }

        @Test
        void noSchedulesWinsOverMissingReason() {
            assertThat(AutoApprovalRules.precheck(List.of(), true, null, NOW))
                    .hasValueSatisfying(d -> assertThat(d.code()).isEqualTo(CheckCode.NO_SCHEDULES));
        }

        @Test
        void requiredReasonMissingDeniesWithReasonRequired() {
            assertThat(AutoApprovalRules.precheck(List.of(PRIMARY), true, null, NOW))
                    .hasValueSatisfying(d -> {
                        assertThat(d.approved()).isFalse();
                        assertThat(d.code()).isEqualTo(CheckCode.REASON_REQUIRED);
                        assertThat(d.checkedAt()).isEqualTo(NOW);
                        assertThat(d.expiresAt()).isNull();
                    });
        }

        @Test
        void requiredReasonBlankDeniesWithReasonRequired() {
            assertThat(AutoApprovalRules.precheck(List.of(PRIMARY), true, "  \t\n", NOW))
                    .hasValueSatisfying(d -> assertThat(d.code()).isEqualTo(CheckCode.REASON_REQUIRED));
            assertThat(AutoApprovalRules.precheck(List.of(PRIMARY), true, "", NOW))
                    .hasValueSatisfying(d -> assertThat(d.code()).isEqualTo(CheckCode.REASON_REQUIRED));
        }

        @Test
        void requiredReasonGivenNeedsOnCallData() {
            assertThat(AutoApprovalRules.precheck(List.of(PRIMARY), true, "INC-42 database down", NOW)).isEmpty();
        }

        @Test
        void reasonNotRequiredAndNotGivenNeedsOnCallData() {
            assertThat(AutoApprovalRules.precheck(List.of(PRIMARY), false, null, NOW)).isEmpty();
            assertThat(AutoApprovalRules.precheck(List.of(PRIMARY), false, " ", NOW)).isEmpty();
        }
    }

    @Nested
    class Decide {

        @Test
        void onCallRequesterIsApprovedWithEvidence() {
            List<OnCallSet> sets = List.of(
                    set(PRIMARY, shift(PRIMARY, ALICE, SHIFT_START, SHIFT_END), shift(PRIMARY, BOB, SHIFT_START, SHIFT_END)),
                    set(SECONDARY, shift(SECONDARY, BOB, SHIFT_START, SHIFT_END)));

            AutoApprovalDecision d = AutoApprovalRules.decide(ALICE, false, null, List.of(PRIMARY, SECONDARY), sets, NOW,
                    GRANT);

            assertThat(d.approved()).isTrue();
            assertThat(d.code()).isEqualTo(CheckCode.ON_CALL);
            assertThat(d.checkedAt()).isEqualTo(NOW);
            assertThat(d.expiresAt()).isEqualTo(Instant.parse("2026-03-02T11:00:00Z"));
            assertThat(d.evidence()).containsExactly(
                    new Evidence(PRIMARY, ALICE, SHIFT_START, SHIFT_END, PRIMARY + "/" + ALICE + "/" + SHIFT_START));
            assertThat(d.explanation()).contains(ALICE).contains(PRIMARY).contains("one hour");
        }

        @Test
        void evidenceListsEveryShiftOfTheRequesterAcrossSchedules() {
            Instant laterStart = Instant.parse("2026-03-02T09:30:00Z");
            List<OnCallSet> sets = List.of(
                    set(PRIMARY, shift(PRIMARY, ALICE, SHIFT_START, SHIFT_END)),
                    set(SECONDARY, shift(SECONDARY, ALICE, laterStart, SHIFT_END)));

            AutoApprovalDecision d = AutoApprovalRules.decide(ALICE, false, null, List.of(PRIMARY, SECONDARY), sets, NOW,
                    GRANT);

            assertThat(d.approved()).isTrue();
            assertThat(d.evidence())
                    .extracting(Evidence::scheduleId, Evidence::email, Evidence::shiftStart, Evidence::shiftEnd)
                    .containsExactly(
                            tuple(PRIMARY, ALICE, SHIFT_START, SHIFT_END),
                            tuple(SECONDARY, ALICE, laterStart, SHIFT_END));
        }

        @Test
        void requesterNotOnCallIsDenied() {
            List<OnCallSet> sets = List.of(set(PRIMARY, shift(PRIMARY, BOB, SHIFT_START, SHIFT_END)));

            AutoApprovalDecision d = AutoApprovalRules.decide(ALICE, false, null, List.of(PRIMARY), sets, NOW, GRANT);

            assertThat(d.approved()).isFalse();
            assertThat(d.code()).isEqualTo(CheckCode.NOT_ON_CALL);
            assertThat(d.evidence()).isEmpty();
            assertThat(d.expiresAt()).isNull();
            assertThat(d.checkedAt()).isEqualTo(NOW);
        }

        @Test
        void nobodyOnCallDenies() {
            AutoApprovalDecision d = AutoApprovalRules.decide(ALICE, false, null, List.of(PRIMARY), List.of(set(PRIMARY)),
                    NOW, GRANT);

            assertThat(d.code()).isEqualTo(CheckCode.NOT_ON_CALL);
        }

        @Test
        void onCallOnlyForAScheduleOutsideTheConfiguredListIsDenied() {
            List<OnCallSet> sets = List.of(
                    set(PRIMARY, shift(PRIMARY, BOB, SHIFT_START, SHIFT_END)),
                    set(OTHER, shift(OTHER, ALICE, SHIFT_START, SHIFT_END)));

            AutoApprovalDecision d = AutoApprovalRules.decide(ALICE, false, null, List.of(PRIMARY), sets, NOW, GRANT);

            assertThat(d.approved()).isFalse();
            assertThat(d.code()).isEqualTo(CheckCode.NOT_ON_CALL);
            assertThat(d.evidence()).isEmpty();
        }

        @Test
        void requesterEmailInDifferentCaseIsApproved() {
            List<OnCallSet> sets = List.of(set(PRIMARY, shift(PRIMARY, ALICE, SHIFT_START, SHIFT_END)));

            AutoApprovalDecision d = AutoApprovalRules.decide("  ALICE@Example.Com ", false, null, List.of(PRIMARY), sets,
                    NOW, GRANT);

            assertThat(d.approved()).isTrue();
            assertThat(d.code()).isEqualTo(CheckCode.ON_CALL);
            assertThat(d.evidence()).extracting(Evidence::email).containsExactly(ALICE);
        }

        @Test
        void onCallButRequiredReasonMissingIsDenied() {
            List<OnCallSet> sets = List.of(set(PRIMARY, shift(PRIMARY, ALICE, SHIFT_START, SHIFT_END)));

            AutoApprovalDecision d = AutoApprovalRules.decide(ALICE, true, " ", List.of(PRIMARY), sets, NOW, GRANT);

            assertThat(d.approved()).isFalse();
            assertThat(d.code()).isEqualTo(CheckCode.REASON_REQUIRED);
            assertThat(d.evidence()).isEmpty();
        }

        @Test
        void onCallWithRequiredReasonGivenIsApproved() {
            List<OnCallSet> sets = List.of(set(PRIMARY, shift(PRIMARY, ALICE, SHIFT_START, SHIFT_END)));

            AutoApprovalDecision d = AutoApprovalRules.decide(ALICE, true, "INC-42", List.of(PRIMARY), sets, NOW, GRANT);

            assertThat(d.approved()).isTrue();
        }

        @Test
        void noSchedulesConfiguredDeniesEvenIfOnCallSomewhere() {
            List<OnCallSet> sets = List.of(set(PRIMARY, shift(PRIMARY, ALICE, SHIFT_START, SHIFT_END)));

            AutoApprovalDecision d = AutoApprovalRules.decide(ALICE, false, null, List.of(), sets, NOW, GRANT);

            assertThat(d.approved()).isFalse();
            assertThat(d.code()).isEqualTo(CheckCode.NO_SCHEDULES);
        }

        @Test
        void expiryFollowsTheGrant() {
            List<OnCallSet> sets = List.of(set(PRIMARY, shift(PRIMARY, ALICE, SHIFT_START, SHIFT_END)));

            AutoApprovalDecision d = AutoApprovalRules.decide(ALICE, false, null, List.of(PRIMARY), sets, NOW,
                    Duration.ofMinutes(30));

            assertThat(d.expiresAt()).isEqualTo(NOW.plus(Duration.ofMinutes(30)));
            assertThat(d.explanation()).contains("30 minutes");
        }

        @Test
        void aGrantOfSeveralHoursSaysHowMany() {
            List<OnCallSet> sets = List.of(set(PRIMARY, shift(PRIMARY, ALICE, SHIFT_START, SHIFT_END)));

            AutoApprovalDecision d = AutoApprovalRules.decide(ALICE, false, null, List.of(PRIMARY), sets, NOW,
                    Duration.ofHours(2));

            assertThat(d.expiresAt()).isEqualTo(NOW.plus(Duration.ofHours(2)));
            assertThat(d.explanation()).endsWith("auto-approved for 2 hours.");
        }
    }

    @Nested
    class DecisionInvariants {

        @Test
        void approvedWithACodeOtherThanOnCallIsRejected() {
            for (CheckCode code : CheckCode.values()) {
                if (code == CheckCode.ON_CALL) {
                    continue;
                }
                assertThatThrownBy(() -> new AutoApprovalDecision(true, code, "x", List.of(), NOW, NOW.plus(GRANT)))
                        .as("approved with %s", code)
                        .isInstanceOf(IllegalArgumentException.class);
            }
        }

        @Test
        void deniedWithOnCallIsRejected() {
            assertThatThrownBy(() -> new AutoApprovalDecision(false, CheckCode.ON_CALL, "x", List.of(), NOW, null))
                    .isInstanceOf(IllegalArgumentException.class);
        }

        @Test
        void approvedWithOnCallIsAccepted() {
            assertThatCode(() -> new AutoApprovalDecision(true, CheckCode.ON_CALL, "x", List.of(), NOW, NOW.plus(GRANT)))
                    .doesNotThrowAnyException();
        }
    }
}
