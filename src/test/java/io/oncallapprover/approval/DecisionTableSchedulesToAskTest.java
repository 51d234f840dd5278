package io.oncallapprover.approval;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.List;

import org.junit.jupiter.api.Test;

import io.oncallapprover.policy.AccessPolicy;
import io.oncallapprover.policy.AccessPolicy.EscalationApproval;
import io.oncallapprover.policy.AccessPolicy.RequesterMatcher;
import io.oncallapprover.policy.AccessPolicy.ResourceMatcher;
import io.oncallapprover.policy.AccessPolicy.Rule;
import io.oncallapprover.policy.PolicyEvaluator;
import io.oncallapprover.policy.PolicyEvaluator.Routing;

/** Under frozen and current rules, incident.io is asked only about what the answer can depend on. */
class DecisionTableSchedulesToAskTest {

    private static final String BOB = "bob@example.com";
    private static final String GRACE = "grace@example.com";

    private static Routing routing(EscalationApproval... steps) {
        return PolicyEvaluator.route(new AccessPolicy(List.of(new Rule("r", false, RequesterMatcher.ANY, ResourceMatcher.ANY,
                List.of(steps)))), BOB, null);
    }

    @Test
    void aRefusalOfTheFrozenRulesNeedsNoOnCallData() {
        Routing frozenNeedsReason = routing(new EscalationApproval(List.of("S1"), false, true));
        Routing current = routing(new EscalationApproval(List.of("S2"), false, false));
        assertThat(DecisionTable.approverSchedulesToAsk(frozenNeedsReason, current, BOB, null, GRACE)).isEmpty();
        assertThat(DecisionTable.approver(frozenNeedsReason, current, BOB, null, GRACE, List.of(), java.time.Instant.EPOCH)
                .rule().policy()).isEqualTo(RuleRef.FROZEN);
    }

    @Test
    void whenThePolicyInForceRefusesRegardlessOnlyTheFrozenSchedulesAreAsked() {
        Routing frozen = routing(new EscalationApproval(List.of("S1"), false, false));
        Routing currentNeedsReason = routing(new EscalationApproval(List.of("S2"), false, true));
        assertThat(DecisionTable.approverSchedulesToAsk(frozen, currentNeedsReason, BOB, null, GRACE)).containsExactly("S1");
    }

    @Test
    void otherwiseBothPoliciesSchedulesAreAskedInOneRound() {
        Routing frozen = routing(new EscalationApproval(List.of("S1"), false, false));
        Routing current = routing(new EscalationApproval(List.of("S2", "S1"), false, false));
        assertThat(DecisionTable.approverSchedulesToAsk(frozen, current, BOB, null, GRACE)).containsExactly("S1", "S2");
    }

    @Test
    void aPageNamesOnlyTheRulesWhoseSchedulesBothPoliciesAllow() {
        Routing frozen = PolicyEvaluator.route(new AccessPolicy(List.of(
                new Rule("databases", false, RequesterMatcher.ANY, ResourceMatcher.ANY,
                        List.of(new EscalationApproval(List.of("S1"), false, false))),
                new Rule("developers", false, RequesterMatcher.ANY, ResourceMatcher.ANY,
                        List.of(new EscalationApproval(List.of("S2"), false, false))))), BOB, null);
        Routing current = routing(new EscalationApproval(List.of("S2"), false, false));
        DecisionTable.EscalationPlan plan = DecisionTable.escalation(frozen, current, null);
        assertThat(plan.schedules()).containsExactly("S2");
        assertThat(plan.ruleNames()).containsExactly("developers");
        assertThat(plan.rule().rule()).isEqualTo("developers");
    }
}
