package io.oncallapprover.approval;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;

import org.junit.jupiter.api.Test;

import io.oncallapprover.oncall.OnCallCalculator;
import io.oncallapprover.oncall.OnCallSet;
import io.oncallapprover.oncall.ScheduleEntry;
import io.oncallapprover.policy.AccessPolicy;
import io.oncallapprover.policy.AccessPolicy.AutoApproval;
import io.oncallapprover.policy.AccessPolicy.RequesterMatcher;
import io.oncallapprover.policy.AccessPolicy.ResourceMatcher;
import io.oncallapprover.policy.AccessPolicy.Rule;
import io.oncallapprover.policy.PolicyEvaluator;
import io.oncallapprover.policy.PolicyEvaluator.Routing;
import io.oncallapprover.policy.RequestedResource;

/** {@code grantUntilShiftEnd}: an auto-approved grant ends with the shift that justified it, if that comes first. */
class GrantUntilShiftEndTest {

    static final Instant NOW = Instant.parse("2026-03-02T10:00:00Z");
    static final Duration GRANT = Duration.ofHours(1);
    static final String KATE = "kate@example.com";
    static final List<String> SCHEDULES = List.of("S1", "S2");

    static Routing route(Rule... rules) {
        return PolicyEvaluator.route(new AccessPolicy(List.of(rules)), KATE, new RequestedResource("role", "postgres", "db"));
    }

    static Rule rule(String name, boolean requireReason, boolean untilShiftEnd) {
        return new Rule(name, false, RequesterMatcher.ANY, ResourceMatcher.ANY, List.of(new AutoApproval(requireReason, untilShiftEnd)));
    }

    /** Kate's shifts: schedule id and minutes from now until the shift ends. */
    static List<OnCallSet> shifts(Object... scheduleAndMinutes) {
        List<OnCallSet> sets = new ArrayList<>();
        for (int i = 0; i < scheduleAndMinutes.length; i += 2) {
            ScheduleEntry entry = new ScheduleEntry(NOW.minusSeconds(3600), NOW.plus(Duration.ofMinutes((Integer) scheduleAndMinutes[i + 1])),
                    "fp" + i, "rot", "layer", "user", "Kate", KATE);
            sets.add(OnCallCalculator.onCallAt((String) scheduleAndMinutes[i], List.of(entry), NOW));
        }
        return sets;
    }

    static AutoApprovalDecision decide(Routing routing, String reason, List<OnCallSet> sets) {
        return DecisionTable.auto(routing, KATE, reason, SCHEDULES, sets, NOW, GRANT);
    }

    @Test
    void aShiftEndingBeforeTheGrantCapsIt() {
        AutoApprovalDecision d = decide(route(rule("r", false, true)), null, shifts("S1", 20));
        assertThat(d.approved()).isTrue();
        assertThat(d.expiresAt()).isEqualTo(NOW.plus(Duration.ofMinutes(20)));
        assertThat(d.explanation()).contains("until the shift ends at " + NOW.plus(Duration.ofMinutes(20)))
                .doesNotContain("for one hour");
    }

    @Test
    void aShiftOutlastingTheGrantLeavesItAtItsLength() {
        AutoApprovalDecision d = decide(route(rule("r", false, true)), null, shifts("S1", 180));
        assertThat(d.expiresAt()).isEqualTo(NOW.plus(GRANT));
        assertThat(d.explanation()).contains("for one hour");
    }

    @Test
    void theLatestOfSeveralJustifyingShiftsCounts() {
        AutoApprovalDecision d = decide(route(rule("r", false, true)), null, shifts("S1", 20, "S2", 40));
        assertThat(d.expiresAt()).isEqualTo(NOW.plus(Duration.ofMinutes(40)));
    }

    @Test
    void withoutTheOptionTheShiftDoesNotMatter() {
        AutoApprovalDecision d = decide(route(rule("r", false, false)), null, shifts("S1", 20));
        assertThat(d.expiresAt()).isEqualTo(NOW.plus(GRANT));
    }

    /** The step that approves is the first eligible one; another rule's option does not leak into it. */
    @Test
    void theOptionOfTheStepThatApprovesApplies() {
        Routing routing = route(rule("first", false, false), rule("second", false, true));
        assertThat(decide(routing, null, shifts("S1", 20)).expiresAt()).isEqualTo(NOW.plus(GRANT));
        Routing reversed = route(rule("first", false, true), rule("second", false, false));
        assertThat(decide(reversed, null, shifts("S1", 20)).expiresAt()).isEqualTo(NOW.plus(Duration.ofMinutes(20)));
        // The first rule needs a reason and none is given: the second, capped, approves.
        Routing needsReason = route(rule("first", true, false), rule("second", false, true));
        AutoApprovalDecision d = decide(needsReason, null, shifts("S1", 20));
        assertThat(d.rule().rule()).isEqualTo("second");
        assertThat(d.expiresAt()).isEqualTo(NOW.plus(Duration.ofMinutes(20)));
        assertThat(decide(needsReason, "hotfix", shifts("S1", 20)).expiresAt()).isEqualTo(NOW.plus(GRANT));
    }

    @Test
    void aDisabledRulesOptionDoesNothing() {
        Rule off = new Rule("off", true, RequesterMatcher.ANY, ResourceMatcher.ANY, List.of(new AutoApproval(false, true)));
        assertThat(decide(route(off, rule("on", false, false)), null, shifts("S1", 20)).expiresAt()).isEqualTo(NOW.plus(GRANT));
    }
}
