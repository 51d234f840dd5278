package io.oncallapprover.approval;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatIllegalArgumentException;
import static org.assertj.core.api.Assertions.tuple;

import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import org.junit.jupiter.api.Nested;
import org.junit.jupiter.api.Test;

import io.oncallapprover.oncall.OnCallCalculator;
import io.oncallapprover.oncall.OnCallSet;
import io.oncallapprover.oncall.ScheduleEntry;
import io.oncallapprover.policy.AccessPolicy;
import io.oncallapprover.policy.AccessPolicy.ApprovalStep;
import io.oncallapprover.policy.AccessPolicy.AutoApproval;
import io.oncallapprover.policy.AccessPolicy.EscalationApproval;
import io.oncallapprover.policy.AccessPolicy.RequesterMatcher;
import io.oncallapprover.policy.AccessPolicy.ResourceMatcher;
import io.oncallapprover.policy.AccessPolicy.RotationFilter;
import io.oncallapprover.policy.AccessPolicy.Rule;
import io.oncallapprover.policy.PolicyEvaluator;
import io.oncallapprover.policy.PolicyEvaluator.Routing;
import io.oncallapprover.policy.RequestedResource;

/**
 * Rotation and layer filters of steps: only the entries of the listed rotations (and layers) count
 * for a step, and a step's filter is its own: it never narrows or widens another step.
 */
class DecisionTableRotationsTest {

    static final Instant NOW = Instant.parse("2026-03-02T10:00:00Z");
    static final Duration GRANT = Duration.ofHours(1);
    static final String KATE = "kate@example.com";
    static final String BOB = "bob@example.com";
    static final List<String> AUTO_SCHEDULES = List.of("S1", "S2");

    static Routing route(String requester, Rule... rules) {
        return PolicyEvaluator.route(new AccessPolicy(List.of(rules)), requester, new RequestedResource("role", "postgres", "db"));
    }

    static Rule rule(String name, ApprovalStep... steps) {
        return new Rule(name, false, RequesterMatcher.ANY, ResourceMatcher.ANY, List.of(steps));
    }

    static Rule disabled(String name, ApprovalStep... steps) {
        return new Rule(name, true, RequesterMatcher.ANY, ResourceMatcher.ANY, List.of(steps));
    }

    static RotationFilter rotations(String... ids) {
        return new RotationFilter(List.of(ids), List.of());
    }

    static AutoApproval auto(RotationFilter filter) {
        return new AutoApproval(false, false, filter);
    }

    static EscalationApproval escalation(String schedule, boolean allowOneParty, RotationFilter filter) {
        return new EscalationApproval(List.of(schedule), allowOneParty, false, filter);
    }

    /** One entry on call now, ending in {@code minutes}: its schedule, person, rotation and layer (null: an override). */
    record Shift(String schedule, String email, String rotation, String layer, int minutes) {
    }

    static Shift shift(String schedule, String email, String rotation, String layer) {
        return new Shift(schedule, email, rotation, layer, 240);
    }

    /** The sets of the shifts' schedules, through the production calculator. */
    static List<OnCallSet> onCall(Shift... shifts) {
        Map<String, List<ScheduleEntry>> bySchedule = new LinkedHashMap<>();
        for (int i = 0; i < shifts.length; i++) {
            Shift s = shifts[i];
            bySchedule.computeIfAbsent(s.schedule(), id -> new ArrayList<>()).add(new ScheduleEntry(NOW.minusSeconds(3600),
                    NOW.plus(Duration.ofMinutes(s.minutes())), "fp" + i, s.rotation(), s.layer(), "user", "Name", s.email()));
        }
        List<OnCallSet> sets = new ArrayList<>();
        bySchedule.forEach((id, entries) -> sets.add(OnCallCalculator.onCallAt(id, entries, NOW)));
        return sets;
    }

    static AutoApprovalDecision auto(Routing routing, List<OnCallSet> sets) {
        return DecisionTable.auto(routing, KATE, null, AUTO_SCHEDULES, sets, NOW, GRANT);
    }

    static ApproverDecision approver(Routing routing, String approver, List<OnCallSet> sets) {
        return DecisionTable.approver(routing, RuleRef.CURRENT, KATE, null, approver, sets, NOW);
    }

    @Nested
    class AutoApprovalCountsOnlyTheListedRotations {

        @Test
        void onCallInAListedRotationApprovesWithTheRotationAndLayerAsEvidence() {
            AutoApprovalDecision d = auto(route(KATE, rule("primary only", auto(rotations("R1")))),
                    onCall(shift("S2", KATE, "R1", "L1")));
            assertThat(d.approved()).isTrue();
            assertThat(d.rule()).isEqualTo(new RuleRef(RuleRef.CURRENT, "primary only", 0));
            assertThat(d.evidence()).extracting(Evidence::scheduleId, Evidence::rotationId, Evidence::layerId, Evidence::rule)
                    .containsExactly(tuple("S2", "R1", "L1", "primary only"));
        }

        @Test
        void onCallOnlyInAnotherRotationIsNotOnCall() {
            AutoApprovalDecision d = auto(route(KATE, rule("primary only", auto(rotations("R1")))),
                    onCall(shift("S1", KATE, "R2", "L1"), shift("S2", BOB, "R1", "L1")));
            assertThat(d.approved()).isFalse();
            assertThat(d.code()).isEqualTo(CheckCode.NOT_ON_CALL);
            assertThat(d.explanation()).contains("in the rotations the eligible auto steps count");
            assertThat(d.rule()).isEqualTo(new RuleRef(RuleRef.CURRENT, "primary only", 0));
        }

        @Test
        void layersNarrowWithinTheListedRotations() {
            Routing routing = route(KATE, rule("first layer", auto(new RotationFilter(List.of("R1"), List.of("L1")))));
            assertThat(auto(routing, onCall(shift("S1", KATE, "R1", "L2"))).code()).isEqualTo(CheckCode.NOT_ON_CALL);
            assertThat(auto(routing, onCall(shift("S1", KATE, "R2", "L1"))).code()).isEqualTo(CheckCode.NOT_ON_CALL);
            assertThat(auto(routing, onCall(shift("S1", KATE, "R1", "L1"))).code()).isEqualTo(CheckCode.ON_CALL);
        }

        @Test
        void anOverrideEntryWithoutRotationDoesNotCountUnderAFilterButDoesWithout() {
            List<OnCallSet> overridden = onCall(shift("S1", KATE, null, null));
            assertThat(auto(route(KATE, rule("filtered", auto(rotations("R1")))), overridden).code())
                    .isEqualTo(CheckCode.NOT_ON_CALL);
            AutoApprovalDecision whole = auto(route(KATE, rule("whole schedule", auto(RotationFilter.NONE))), overridden);
            assertThat(whole.approved()).isTrue();
            assertThat(whole.evidence()).extracting(Evidence::rotationId).containsOnlyNulls();
        }

        @Test
        void grantUntilShiftEndTakesTheEndOfTheShiftThatCounted() {
            Routing routing = route(KATE, rule("capped", new AutoApproval(false, true, rotations("R1"))));
            AutoApprovalDecision d = auto(routing, onCall(new Shift("S1", KATE, "R1", "L1", 20),
                    new Shift("S1", KATE, "R2", "L1", 50)));
            assertThat(d.approved()).isTrue();
            assertThat(d.expiresAt()).isEqualTo(NOW.plus(Duration.ofMinutes(20)));
            assertThat(d.evidence()).extracting(Evidence::rotationId).containsExactly("R1");
        }
    }

    @Nested
    class AFilterBelongsToItsOwnStep {

        @Test
        void theOtherRulesFilterDoesNotNarrowAStepWithout() {
            AutoApprovalDecision d = auto(route(KATE, rule("primary only", auto(rotations("R1"))),
                    rule("anyone on call", auto(RotationFilter.NONE))), onCall(shift("S1", KATE, "R2", "L1")));
            assertThat(d.approved()).isTrue();
            assertThat(d.rule()).isEqualTo(new RuleRef(RuleRef.CURRENT, "anyone on call", 0));
        }

        @Test
        void theApprovalRestsOnTheFirstStepWhoseFilterCountsTheRequester() {
            Routing routing = route(KATE, rule("primary", auto(rotations("R1"))), rule("secondary", auto(rotations("R2"))));
            AutoApprovalDecision d = auto(routing, onCall(shift("S1", KATE, "R2", "L1")));
            assertThat(d.approved()).isTrue();
            assertThat(d.rule()).isEqualTo(new RuleRef(RuleRef.CURRENT, "secondary", 0));
            assertThat(d.evidence()).extracting(Evidence::rule, Evidence::step).containsExactly(tuple("secondary", 0));
        }

        @Test
        void theOtherRulesFilterDoesNotLeakOntoAnotherSchedule() {
            // "second" counts R2, but only on S2: Bob's R2 shift on S1 counts for neither step
            Routing routing = route(KATE, rule("first", escalation("S1", false, rotations("R1"))),
                    rule("second", escalation("S2", false, rotations("R2"))));
            ApproverDecision leaked = approver(routing, BOB, onCall(shift("S1", BOB, "R2", "L1")));
            assertThat(leaked.allowed()).isFalse();
            assertThat(leaked.code()).isEqualTo(CheckCode.NOT_ON_CALL);
            assertThat(leaked.explanation()).contains("in the rotations their steps count");

            ApproverDecision allowed = approver(routing, BOB, onCall(shift("S2", BOB, "R2", "L1")));
            assertThat(allowed.allowed()).isTrue();
            assertThat(allowed.rule()).isEqualTo(new RuleRef(RuleRef.CURRENT, "second", 0));
            assertThat(allowed.evidence()).extracting(Evidence::rotationId).containsExactly("R2");
        }

        @Test
        void aDisabledRulesFilterDoesNothing() {
            List<OnCallSet> sets = onCall(shift("S1", KATE, "R2", "L1"));
            AutoApprovalDecision d = auto(route(KATE, disabled("switched off", auto(rotations("R1"))),
                    rule("anyone on call", auto(RotationFilter.NONE))), sets);
            assertThat(d.approved()).isTrue();
            assertThat(d.rule()).isEqualTo(new RuleRef(RuleRef.CURRENT, "anyone on call", 0));

            // nor does it open anything: a disabled rule counting R2 does not let a filtered rule count it
            AutoApprovalDecision narrow = auto(route(KATE, disabled("switched off", auto(rotations("R2"))),
                    rule("primary", auto(rotations("R1")))), sets);
            assertThat(narrow.code()).isEqualTo(CheckCode.NOT_ON_CALL);
        }

        @Test
        void theRequesterOnCallOnlyOutsideTheOnePartyStepsRotationIsNotOnCallNotSelfApproval() {
            Routing routing = route(KATE, rule("own", escalation("S1", true, rotations("R1"))));
            ApproverDecision d = approver(routing, KATE, onCall(shift("S1", KATE, "R2", "L1")));
            assertThat(d.code()).isEqualTo(CheckCode.NOT_ON_CALL);
            assertThat(approver(routing, KATE, onCall(shift("S1", KATE, "R1", "L1"))).allowed()).isTrue();

            Routing strict = route(KATE, rule("strict", escalation("S1", false, rotations("R1"))),
                    rule("own", escalation("S2", true, RotationFilter.NONE)));
            // on call for the strict step's schedule but outside its rotation: that step does not see her at all
            assertThat(approver(strict, KATE, onCall(shift("S1", KATE, "R2", "L1"))).code()).isEqualTo(CheckCode.NOT_ON_CALL);
            assertThat(approver(strict, KATE, onCall(shift("S1", KATE, "R1", "L1"))).code())
                    .isEqualTo(CheckCode.SELF_APPROVAL_NOT_ALLOWED);
        }
    }

    @Test
    void withoutRotationsEveryEntryCountsAndTheAnswersSayNothingOfRotations() {
        assertThat(RotationFilter.NONE.admits(null, null)).isTrue();
        assertThat(RotationFilter.NONE.admits("R1", "L1")).isTrue();
        assertThat(new RotationFilter(List.of("R1"), List.of()).admits("R1", null)).isTrue();
        assertThat(new RotationFilter(List.of("R1"), List.of("L1")).admits("R1", null)).isFalse();
        assertThatIllegalArgumentException().isThrownBy(() -> new RotationFilter(List.of(), List.of("L1")));

        List<OnCallSet> bobOnly = onCall(shift("S1", BOB, "R1", "L1"));
        assertThat(auto(route(KATE, rule("whole", auto(RotationFilter.NONE))), bobOnly).explanation())
                .isEqualTo(KATE + " is not on call for any auto-approval schedule.");
        assertThat(approver(route(KATE, rule("whole", escalation("S1", false, RotationFilter.NONE))), BOB,
                onCall(shift("S1", KATE, "R1", "L1"))).explanation())
                .isEqualTo(BOB + " is not on call now for any of S1 in the access policy in force now.");
    }

    @Test
    void filtersDoNotChangeWhichSchedulesAreAsked() {
        Routing routing = route(KATE, rule("primary", auto(rotations("R1")), escalation("S3", false, rotations("R9"))));
        assertThat(DecisionTable.autoSchedulesToAsk(routing, null, AUTO_SCHEDULES)).containsExactly("S1", "S2");
        assertThat(DecisionTable.approverSchedulesToAsk(routing, KATE, null, BOB)).containsExactly("S3");
    }
}
