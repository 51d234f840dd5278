package io.oncallapprover.approval;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.tuple;

import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;

import org.junit.jupiter.api.Nested;
import org.junit.jupiter.api.Test;

import io.oncallapprover.approval.DecisionTable.EscalationPlan;
import io.oncallapprover.oncall.OnCallCalculator;
import io.oncallapprover.oncall.OnCallSet;
import io.oncallapprover.oncall.ScheduleEntry;
import io.oncallapprover.policy.AccessPolicy;
import io.oncallapprover.policy.AccessPolicy.ApprovalStep;
import io.oncallapprover.policy.AccessPolicy.AutoApproval;
import io.oncallapprover.policy.AccessPolicy.EscalationApproval;
import io.oncallapprover.policy.AccessPolicy.RequesterMatcher;
import io.oncallapprover.policy.AccessPolicy.RequesterType;
import io.oncallapprover.policy.AccessPolicy.ResourceMatcher;
import io.oncallapprover.policy.AccessPolicy.Rule;
import io.oncallapprover.policy.PolicyEvaluator;
import io.oncallapprover.policy.PolicyEvaluator.Routing;
import io.oncallapprover.policy.RequestedResource;

/**
 * The cases a security reviewer tries first against the decision table, one example each. The
 * properties in {@link DecisionTableProperties} cover the same ground at random; these name it.
 */
class DecisionTableTest {

    static final Instant NOW = Instant.parse("2026-03-02T10:00:00Z");
    static final Duration GRANT = Duration.ofHours(1);
    static final String KATE = "kate@example.com";
    static final String BOB = "bob@example.com";
    /** U+212A KELVIN SIGN, then "ate@example.com": lower-cases to "kate@example.com" under Unicode rules. */
    static final String KELVIN_KATE = "\u212Aate@example.com";
    static final RequestedResource PROD_DB = new RequestedResource("role", "postgres", "prod-db");

    // ---- helpers ------------------------------------------------------------------------------------

    static Rule rule(String name, ApprovalStep... steps) {
        return new Rule(name, false, RequesterMatcher.ANY, ResourceMatcher.ANY, List.of(steps));
    }

    static Rule disabled(String name, ApprovalStep... steps) {
        return new Rule(name, true, RequesterMatcher.ANY, ResourceMatcher.ANY, List.of(steps));
    }

    static EscalationApproval escalation(String schedule, boolean allowOneParty, boolean requireReason) {
        return new EscalationApproval(List.of(schedule), allowOneParty, requireReason);
    }

    static Routing route(String requester, Rule... rules) {
        return PolicyEvaluator.route(new AccessPolicy(List.of(rules)), requester, PROD_DB);
    }

    /** Who is on call now: pairs of schedule id and email, through the production calculator. */
    static List<OnCallSet> onCall(String... scheduleAndEmail) {
        List<OnCallSet> sets = new ArrayList<>();
        for (int i = 0; i < scheduleAndEmail.length; i += 2) {
            ScheduleEntry entry = new ScheduleEntry(NOW.minusSeconds(3600), NOW.plusSeconds(3600), "fp" + i, "rot", "layer",
                    "user", "Name", scheduleAndEmail[i + 1]);
            sets.add(OnCallCalculator.onCallAt(scheduleAndEmail[i], List.of(entry), NOW));
        }
        return sets;
    }

    static ApproverDecision approver(Routing routing, String requester, String reason, String approver, List<OnCallSet> sets) {
        return DecisionTable.approver(routing, RuleRef.CURRENT, requester, reason, approver, sets, NOW);
    }

    // ---- options stay with their own rule -----------------------------------------------------------

    @Nested
    class OptionsAreNotPooled {

        @Test
        void anotherRulesAllowOnePartyDoesNotLetTheRequesterDecideThroughARuleThatForbidsIt() {
            Routing routing = route(KATE, rule("strict", escalation("S1", false, false)),
                    rule("lenient", escalation("S2", true, false)));

            // Kate is on call only for the strict rule's schedule: she may not decide her own request
            ApproverDecision strictOnly = approver(routing, KATE, null, KATE, onCall("S1", KATE));
            assertThat(strictOnly.allowed()).isFalse();
            assertThat(strictOnly.code()).isEqualTo(CheckCode.SELF_APPROVAL_NOT_ALLOWED);
            assertThat(strictOnly.rule()).isEqualTo(new RuleRef(RuleRef.CURRENT, "strict", 0));

            // on call for the lenient rule's schedule, she may, and the answer rests on that rule
            ApproverDecision lenient = approver(routing, KATE, null, KATE, onCall("S2", KATE));
            assertThat(lenient.allowed()).isTrue();
            assertThat(lenient.rule()).isEqualTo(new RuleRef(RuleRef.CURRENT, "lenient", 0));
            assertThat(lenient.evidence()).extracting(Evidence::scheduleId).containsExactly("S2");

            // and someone else on call for the strict rule's schedule may decide
            assertThat(approver(routing, KATE, null, BOB, onCall("S1", BOB)).allowed()).isTrue();
        }

        @Test
        void anotherRulesReasonlessStepDoesNotOpenTheSchedulesOfAStepThatRequiresAReason() {
            Routing routing = route(KATE, rule("needs reason", escalation("S1", false, true)),
                    rule("open", escalation("S2", false, false)));

            // no reason: only S2's on-call may decide; Bob on call for S1 may not
            ApproverDecision noReason = approver(routing, KATE, "   ", BOB, onCall("S1", BOB));
            assertThat(noReason.allowed()).isFalse();
            assertThat(noReason.code()).isEqualTo(CheckCode.NOT_ON_CALL);
            assertThat(DecisionTable.approverSchedulesToAsk(routing, KATE, "   ", BOB)).containsExactly("S2");

            // with a reason, S1's on-call may decide
            assertThat(approver(routing, KATE, "INC-42", BOB, onCall("S1", BOB)).allowed()).isTrue();
        }

        @Test
        void thePageNamesOnlyTheSchedulesOfStepsWhoseReasonRequirementIsMet() {
            Routing routing = route(KATE, rule("mixed", escalation("S1", false, true), escalation("S2", false, false)),
                    rule("other", escalation("S3", false, true)));

            EscalationPlan noReason = DecisionTable.escalation(routing, (String) null, RuleRef.CURRENT);
            assertThat(noReason.allowed()).isTrue();
            assertThat(noReason.schedules()).containsExactly("S2");
            assertThat(noReason.ruleNames()).containsExactly("mixed");

            EscalationPlan withReason = DecisionTable.escalation(routing, "INC-42", RuleRef.CURRENT);
            assertThat(withReason.schedules()).containsExactlyInAnyOrder("S1", "S2", "S3");

            // every step requires a reason: no page at all
            Routing strict = route(KATE, rule("strict", escalation("S1", false, true)));
            EscalationPlan refused = DecisionTable.escalation(strict, "", RuleRef.CURRENT);
            assertThat(refused.allowed()).isFalse();
            assertThat(refused.refusal()).isEqualTo(CheckCode.REASON_REQUIRED);
            assertThat(refused.schedules()).isEmpty();
        }

        @Test
        void autoApprovalWithoutAReasonRestsOnTheStepThatNeedsNone() {
            Routing routing = route(KATE, rule("needs reason", new AutoApproval(true)), rule("open", new AutoApproval(false)));
            AutoApprovalDecision d = DecisionTable.auto(routing, KATE, null, List.of("S1"), onCall("S1", KATE), NOW, GRANT);
            assertThat(d.approved()).isTrue();
            assertThat(d.rule()).isEqualTo(new RuleRef(RuleRef.CURRENT, "open", 0));
            assertThat(d.evidence()).extracting(Evidence::rule, Evidence::step).containsExactly(tuple("open", 0));

            Routing strict = route(KATE, rule("needs reason", new AutoApproval(true)));
            assertThat(DecisionTable.auto(strict, KATE, " ", List.of("S1"), onCall("S1", KATE), NOW, GRANT).code())
                    .isEqualTo(CheckCode.REASON_REQUIRED);
            assertThat(DecisionTable.autoSchedulesToAsk(strict, " ", List.of("S1"))).isEmpty();
        }
    }

    // ---- disabled rules -----------------------------------------------------------------------------

    @Nested
    class DisabledRules {

        @Test
        void aDisabledRuleLetsNobodyDecideAndPagesNobody() {
            Routing routing = route(KATE, rule("on", escalation("S1", false, false)),
                    disabled("off", escalation("S2", true, false)));

            assertThat(routing.ruleNames()).containsExactly("on");
            assertThat(approver(routing, KATE, null, BOB, onCall("S2", BOB)).code()).isEqualTo(CheckCode.NOT_ON_CALL);
            // the disabled rule's allowOneParty does not count either
            assertThat(approver(routing, KATE, null, KATE, onCall("S2", KATE, "S1", KATE)).code())
                    .isEqualTo(CheckCode.SELF_APPROVAL_NOT_ALLOWED);
            assertThat(DecisionTable.escalation(routing, (String) null, RuleRef.CURRENT).schedules()).containsExactly("S1");
        }

        @Test
        void aDisabledAutoRuleAutoApprovesNobody() {
            Routing routing = route(KATE, disabled("off", new AutoApproval(false)));
            AutoApprovalDecision d = DecisionTable.auto(routing, KATE, "INC-42", List.of("S1"), onCall("S1", KATE), NOW,
                    GRANT);
            assertThat(d.approved()).isFalse();
            assertThat(d.code()).isEqualTo(CheckCode.NO_MATCHING_RULE);
        }
    }

    // ---- identity -----------------------------------------------------------------------------------

    @Nested
    class LookAlikes {

        @Test
        void aKelvinSignAccountOnCallIsNotKate() {
            Routing routing = route(BOB, rule("any", escalation("S1", false, false)));
            List<OnCallSet> strangerOnCall = onCall("S1", KELVIN_KATE);

            // Kate is not on call: the account on call is someone else's
            ApproverDecision kate = approver(routing, BOB, null, KATE, strangerOnCall);
            assertThat(kate.allowed()).isFalse();
            assertThat(kate.code()).isEqualTo(CheckCode.NOT_ON_CALL);
            // while the look-alike account itself is
            assertThat(approver(routing, BOB, null, KELVIN_KATE, strangerOnCall).allowed()).isTrue();

            // nor is Kate auto-approved on the stranger's shift
            Routing auto = route(KATE, rule("auto", new AutoApproval(false)));
            AutoApprovalDecision d = DecisionTable.auto(auto, KATE, null, List.of("S1"), strangerOnCall, NOW, GRANT);
            assertThat(d.code()).isEqualTo(CheckCode.NOT_ON_CALL);
        }

        @Test
        void aKelvinSignRequesterIsNotKateForAUserRule() {
            Rule kateOnly = new Rule("kate only", false, new RequesterMatcher(RequesterType.USER, KATE), ResourceMatcher.ANY,
                    List.of(escalation("S1", true, false)));
            assertThat(route(KELVIN_KATE, kateOnly).matchedRules()).isEmpty();
            assertThat(route("  KATE@Example.COM ", kateOnly).ruleNames()).containsExactly("kate only");
        }

        @Test
        void aKelvinSignApproverIsNotTheRequesterKate() {
            // the look-alike is another person: it is not self-approval, and Kate's own shift is not theirs
            Routing routing = route(KATE, rule("strict", escalation("S1", false, false)));
            ApproverDecision d = approver(routing, KATE, null, KELVIN_KATE, onCall("S1", KATE));
            assertThat(d.code()).isEqualTo(CheckCode.NOT_ON_CALL);
            assertThat(approver(routing, KATE, null, "KATE@EXAMPLE.COM", onCall("S1", KATE)).code())
                    .isEqualTo(CheckCode.SELF_APPROVAL_NOT_ALLOWED);
        }
    }

    // ---- frozen and current -------------------------------------------------------------------------

    @Nested
    class FrozenAndCurrent {

        final Routing frozen = route(KATE, rule("prod", escalation("S1", false, false)));
        /** The policy was edited since: the rule is gone, another one auto-approves only. */
        final Routing current = route(KATE, rule("auto only", new AutoApproval(false)));

        @Test
        void theFrozenRulesAllowingIsNotEnoughWhenTheCurrentPolicyRemovedTheRule() {
            ApproverDecision d = DecisionTable.approver(frozen, current, KATE, null, BOB, onCall("S1", BOB), NOW);
            assertThat(d.allowed()).isFalse();
            assertThat(d.code()).isEqualTo(CheckCode.NO_MATCHING_RULE);
            // names the policy in force now (in words: the decision carries no rule, see the report)
            assertThat(d.explanation()).contains("in the access policy in force now");

            EscalationPlan plan = DecisionTable.escalation(frozen, current, null);
            assertThat(plan.allowed()).isFalse();
            assertThat(plan.refusal()).isEqualTo(CheckCode.NO_MATCHING_RULE);
            assertThat(plan.explanation()).contains("in the access policy in force now");
            assertThat(plan.schedules()).isEmpty();
        }

        @Test
        void aRefusalByTheCurrentPolicyThatNamesARuleNamesCurrent() {
            // the rule is still there, but now requires a reason the request does not have
            Routing tightened = route(KATE, rule("prod", escalation("S1", false, true)));
            ApproverDecision d = DecisionTable.approver(frozen, tightened, KATE, null, BOB, onCall("S1", BOB), NOW);
            assertThat(d.allowed()).isFalse();
            assertThat(d.code()).isEqualTo(CheckCode.REASON_REQUIRED);
            assertThat(d.rule()).isEqualTo(new RuleRef(RuleRef.CURRENT, "prod", 0));

            EscalationPlan plan = DecisionTable.escalation(frozen, tightened, null);
            assertThat(plan.refusal()).isEqualTo(CheckCode.REASON_REQUIRED);
            assertThat(plan.rule()).isEqualTo(new RuleRef(RuleRef.CURRENT, "prod", 0));
        }

        @Test
        void aRefusalByTheFrozenRulesNamesFrozenAndWins() {
            Routing frozenNeedsReason = route(KATE, rule("prod", escalation("S1", false, true)));
            Routing currentOpen = route(KATE, rule("prod", escalation("S1", false, false)));
            ApproverDecision d = DecisionTable.approver(frozenNeedsReason, currentOpen, KATE, null, BOB, onCall("S1", BOB),
                    NOW);
            assertThat(d.code()).isEqualTo(CheckCode.REASON_REQUIRED);
            assertThat(d.rule()).isEqualTo(new RuleRef(RuleRef.FROZEN, "prod", 0));
        }

        @Test
        void thePageNamesOnlySchedulesBothAllow() {
            Routing moved = route(KATE, rule("prod", new EscalationApproval(List.of("S2", "S1"), false, false)));
            Routing frozenTwo = route(KATE, rule("prod", new EscalationApproval(List.of("S1", "S3"), false, false)));
            EscalationPlan plan = DecisionTable.escalation(frozenTwo, moved, null);
            assertThat(plan.allowed()).isTrue();
            assertThat(plan.schedules()).containsExactly("S1");

            Routing elsewhere = route(KATE, rule("prod", escalation("S4", false, false)));
            EscalationPlan none = DecisionTable.escalation(frozenTwo, elsewhere, null);
            assertThat(none.allowed()).isFalse();
            assertThat(none.refusal()).isEqualTo(CheckCode.NO_MATCHING_RULE);
            assertThat(none.rule().policy()).isEqualTo(RuleRef.CURRENT);
        }

        @Test
        void anApproverOnCallOnlyForTheFrozenSchedulesIsRefusedByTheCurrentPolicy() {
            Routing moved = route(KATE, rule("prod", escalation("S2", false, false)));
            ApproverDecision d = DecisionTable.approver(frozen, moved, KATE, null, BOB, onCall("S1", BOB), NOW);
            assertThat(d.allowed()).isFalse();
            assertThat(d.code()).isEqualTo(CheckCode.NOT_ON_CALL);
            assertThat(d.explanation()).contains("in the access policy in force now");
            // on call for both: allowed, resting on the frozen rule
            ApproverDecision both = DecisionTable.approver(frozen, moved, KATE, null, BOB, onCall("S1", BOB, "S2", BOB), NOW);
            assertThat(both.allowed()).isTrue();
            assertThat(both.rule()).isEqualTo(new RuleRef(RuleRef.FROZEN, "prod", 0));
        }
    }

    // ---- what is fetched, and what is said --------------------------------------------------------

    @Nested
    class SchedulesToAskAndExplanations {

        @Test
        void aRequesterNoStepLetsDecideNeedsNoOnCallData() {
            Routing routing = route(KATE, rule("strict", escalation("S1", false, false)),
                    rule("needs reason", escalation("S2", true, true)));
            assertThat(DecisionTable.approverSchedulesToAsk(routing, KATE, null, " kate@EXAMPLE.com")).isEmpty();
            assertThat(approver(routing, KATE, null, KATE, List.of()).code()).isEqualTo(CheckCode.SELF_APPROVAL_NOT_ALLOWED);
            // with the reason, the lenient step is eligible: every eligible step's schedules are needed to tell
            // SELF_APPROVAL_NOT_ALLOWED (on call for the strict step only) from NOT_ON_CALL
            assertThat(DecisionTable.approverSchedulesToAsk(routing, KATE, "INC-42", KATE)).containsExactly("S1", "S2");
            // someone else: every eligible step's schedules
            assertThat(DecisionTable.approverSchedulesToAsk(routing, KATE, null, BOB)).containsExactly("S1");
            // a look-alike of the requester is someone else
            assertThat(DecisionTable.approverSchedulesToAsk(routing, KATE, null, KELVIN_KATE)).containsExactly("S1");
            // no requester known: nobody is the requester
            assertThat(DecisionTable.approverSchedulesToAsk(routing, null, null, KATE)).containsExactly("S1");
        }

        @Test
        void underFrozenAndCurrentTheSchedulesOfBothAreAskedOnce() {
            Routing frozen = route(KATE, rule("prod", new EscalationApproval(List.of("S1", "S2"), false, false)));
            Routing current = route(KATE, rule("prod", new EscalationApproval(List.of("S2", "S3"), false, false)));
            assertThat(DecisionTable.approverSchedulesToAsk(frozen, current, KATE, null, BOB)).containsExactly("S1", "S2", "S3");
            assertThat(DecisionTable.approverSchedulesToAsk(frozen, current, KATE, null, KATE)).isEmpty();
        }

        @Test
        void autoApprovalAsksForTheOrganizationsSchedulesOnceOnlyWhenAnAutoStepIsEligible() {
            Routing routing = route(KATE, rule("needs reason", new AutoApproval(true)));
            assertThat(DecisionTable.autoSchedulesToAsk(routing, "INC-42", List.of("S1", "S2", "S1"))).containsExactly("S1", "S2");
            assertThat(DecisionTable.autoSchedulesToAsk(routing, null, List.of("S1"))).isEmpty();
            assertThat(DecisionTable.autoSchedulesToAsk(routing, "INC-42", null)).isEmpty();
            assertThat(DecisionTable.autoSchedulesToAsk(route(KATE), "INC-42", List.of("S1"))).isEmpty();
        }

        @Test
        void aMissingReasonForAutoApprovalSaysWhichStepAndWhetherThereAreOthers() {
            Routing one = route(KATE, rule("a", new EscalationApproval(List.of("S1"), false, false), new AutoApproval(true)));
            AutoApprovalDecision d = DecisionTable.auto(one, KATE, null, List.of("S1"), List.of(), NOW, GRANT);
            assertThat(d.code()).isEqualTo(CheckCode.REASON_REQUIRED);
            assertThat(d.explanation()).isEqualTo("Auto-approval requires a reason (rule 'a' step 1) and none was given.");
            assertThat(d.rule()).isEqualTo(new RuleRef(RuleRef.CURRENT, "a", 1));

            Routing two = route(KATE, rule("a", new AutoApproval(true)), rule("b", new AutoApproval(true)));
            assertThat(DecisionTable.auto(two, KATE, "", List.of("S1"), List.of(), NOW, GRANT).explanation()).isEqualTo(
                    "Auto-approval requires a reason (rule 'a' step 0 and every other auto step) and none was given.");
        }

        @Test
        void noAutoApprovalSchedulesRestsOnTheFirstEligibleAutoStep() {
            Routing routing = route(KATE, rule("needs reason", new AutoApproval(true)), rule("open", new AutoApproval(false)));
            AutoApprovalDecision d = DecisionTable.auto(routing, KATE, null, List.of(), List.of(), NOW, GRANT);
            assertThat(d.code()).isEqualTo(CheckCode.NO_SCHEDULES);
            assertThat(d.rule()).isEqualTo(new RuleRef(RuleRef.CURRENT, "open", 0));
            // none eligible: the first auto step
            Routing strict = route(KATE, rule("needs reason", new AutoApproval(true)));
            assertThat(DecisionTable.auto(strict, KATE, null, null, List.of(), NOW, GRANT).rule())
                    .isEqualTo(new RuleRef(RuleRef.CURRENT, "needs reason", 0));
        }

        @Test
        void answersNameTheRuleAndStepTheyRestOn() {
            Routing routing = route(KATE, rule("open", new EscalationApproval(List.of("S1"), false, false),
                    new AutoApproval(false)));
            AutoApprovalDecision auto = DecisionTable.auto(routing, KATE, null, List.of("S1"), onCall("S1", KATE), NOW, GRANT);
            assertThat(auto.approved()).isTrue();
            assertThat(auto.explanation()).endsWith("for one hour (rule 'open' step 1).");
            assertThat(auto.expiresAt()).isEqualTo(NOW.plus(GRANT));

            ApproverDecision bob = approver(routing, KATE, null, BOB, onCall("S1", BOB));
            assertThat(bob.explanation()).contains("(rule 'open' step 0 in the access policy in force now)");
            ApproverDecision selfRefused = approver(routing, KATE, null, KATE, onCall("S1", KATE));
            assertThat(selfRefused.explanation()).contains("made this request");

            Routing needsReason = route(KATE, rule("strict", escalation("S1", false, true)));
            assertThat(DecisionTable.escalation(needsReason, (String) null, RuleRef.FROZEN).explanation())
                    .contains("(rule 'strict' step 0)").contains("among the rules this request matched when it was made");
        }
    }
}
