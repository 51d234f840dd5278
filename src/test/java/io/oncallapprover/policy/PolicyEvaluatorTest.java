package io.oncallapprover.policy;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.tuple;

import java.util.List;

import org.junit.jupiter.api.Nested;
import org.junit.jupiter.api.Test;

import io.oncallapprover.approval.CheckCode;
import io.oncallapprover.approval.DecisionTable;
import io.oncallapprover.approval.DecisionTable.EscalationPlan;
import io.oncallapprover.approval.DecisionTable.Step;
import io.oncallapprover.approval.RuleRef;

import io.oncallapprover.policy.AccessPolicy.ApprovalStep;
import io.oncallapprover.policy.AccessPolicy.AutoApproval;
import io.oncallapprover.policy.AccessPolicy.EscalationApproval;
import io.oncallapprover.policy.AccessPolicy.RequestorMatcher;
import io.oncallapprover.policy.AccessPolicy.RequestorType;
import io.oncallapprover.policy.AccessPolicy.ResourceMatcher;
import io.oncallapprover.policy.AccessPolicy.ResourceType;
import io.oncallapprover.policy.AccessPolicy.Rule;
import io.oncallapprover.policy.PolicyEvaluator.Routing;

class PolicyEvaluatorTest {

    static final String ALICE = "alice@example.com";
    static final String BOB = "bob@example.com";
    static final RequestedResource PROD_DB = new RequestedResource("role", "postgres", "prod-db");
    static final RequestedResource STAGING_DB = new RequestedResource("role", "postgres", "staging-db");
    static final RequestedResource CLUSTER = new RequestedResource("role", "kubernetes", "eu-1");

    static Rule rule(String name, RequestorMatcher requestor, ResourceMatcher resource, ApprovalStep... steps) {
        return new Rule(name, false, requestor, resource, List.of(steps));
    }

    static Rule anyRule(String name, ApprovalStep... steps) {
        return rule(name, RequestorMatcher.ANY, ResourceMatcher.ANY, steps);
    }

    static RequestorMatcher user(String email) {
        return new RequestorMatcher(RequestorType.USER, email);
    }

    static ResourceMatcher service(String service, String name) {
        return new ResourceMatcher(ResourceType.SERVICE, service, name);
    }

    static EscalationApproval escalation(String... services) {
        return new EscalationApproval(List.of(services), false, false);
    }

    static Routing route(List<Rule> rules, String requester, RequestedResource resource) {
        return PolicyEvaluator.route(new AccessPolicy(rules), requester, resource);
    }

    @Nested
    class Matching {

        @Test
        void disabledRulesNeverMatch() {
            Rule disabled = new Rule("off", true, RequestorMatcher.ANY, ResourceMatcher.ANY, List.of(new AutoApproval(false)));
            Rule disabledForAlice = new Rule("off for alice", true, user(ALICE), service("postgres", "prod-db"),
                    List.of(escalation("S1")));
            Routing routing = route(List.of(disabled, disabledForAlice), ALICE, PROD_DB);
            assertThat(routing.matchedRules()).isEmpty();
            assertThat(route(List.of(disabled), ALICE, null).matchedRules()).isEmpty();
            // the same rule enabled does match
            assertThat(route(List.of(anyRule("on", new AutoApproval(false))), ALICE, PROD_DB).ruleNames())
                    .containsExactly("on");
        }

        @Test
        void requestorUserMatchesCaseInsensitively() {
            List<Rule> rules = List.of(rule("alice only", user(ALICE), ResourceMatcher.ANY, escalation("S1")));
            assertThat(route(rules, "Alice@Example.COM", PROD_DB).ruleNames()).containsExactly("alice only");
            assertThat(route(rules, "  alice@example.com ", PROD_DB).ruleNames()).containsExactly("alice only");
            assertThat(route(rules, BOB, PROD_DB).matchedRules()).isEmpty();
            assertThat(route(rules, null, PROD_DB).matchedRules()).isEmpty();
            assertThat(route(rules, "", PROD_DB).matchedRules()).isEmpty();
            // a matcher stored with another case (built in code, not parsed) still matches
            assertThat(route(List.of(rule("ALICE", user("ALICE@EXAMPLE.COM"), ResourceMatcher.ANY, escalation("S1"))),
                    ALICE, null).ruleNames()).containsExactly("ALICE");
        }

        @Test
        void requestorAnyMatchesEveryone() {
            List<Rule> rules = List.of(anyRule("all", escalation("S1")));
            assertThat(route(rules, ALICE, PROD_DB).ruleNames()).containsExactly("all");
            assertThat(route(rules, BOB, CLUSTER).ruleNames()).containsExactly("all");
        }

        @Test
        void resourceServiceAndNameMatchCaseInsensitively() {
            Rule prodDb = rule("prod db", RequestorMatcher.ANY, service("Postgres", "PROD-DB"), escalation("S1"));
            Rule anyPostgres = rule("any postgres", RequestorMatcher.ANY, service("postgres", null), escalation("S2"));
            List<Rule> rules = List.of(prodDb, anyPostgres);

            assertThat(route(rules, ALICE, PROD_DB).ruleNames()).containsExactly("prod db", "any postgres");
            assertThat(route(rules, ALICE, new RequestedResource("role", "POSTGRES", "Prod-Db")).ruleNames())
                    .containsExactly("prod db", "any postgres");
            assertThat(route(rules, ALICE, STAGING_DB).ruleNames()).containsExactly("any postgres");
            assertThat(route(rules, ALICE, CLUSTER).matchedRules()).isEmpty();
            // a named matcher needs a name on the request
            assertThat(route(rules, ALICE, new RequestedResource("role", "postgres", null)).ruleNames())
                    .containsExactly("any postgres");
            assertThat(route(rules, ALICE, new RequestedResource("role", null, "prod-db")).matchedRules()).isEmpty();
        }

        @Test
        void nullResourceIgnoresResourceMatchers() {
            List<Rule> rules = List.of(
                    rule("prod db", RequestorMatcher.ANY, service("postgres", "prod-db"), escalation("S1")),
                    rule("cluster for bob", user(BOB), service("kubernetes", null), escalation("S2")),
                    anyRule("rest", escalation("S3")));
            assertThat(route(rules, ALICE, null).ruleNames()).containsExactly("prod db", "rest");
            assertThat(route(rules, BOB, null).ruleNames()).containsExactly("prod db", "cluster for bob", "rest");
            // with a resource, the matchers apply again
            assertThat(route(rules, ALICE, CLUSTER).ruleNames()).containsExactly("rest");
        }

        @Test
        void matchedRulesKeepPolicyOrder() {
            List<Rule> rules = List.of(anyRule("c", escalation("S1")), anyRule("a", escalation("S2")),
                    anyRule("b", new AutoApproval(false)));
            assertThat(route(rules, ALICE, PROD_DB).ruleNames()).containsExactly("c", "a", "b");
        }

        @Test
        void emptyPolicyRoutesNothing() {
            Routing routing = PolicyEvaluator.route(AccessPolicy.EMPTY, ALICE, PROD_DB);
            assertThat(routing.matchedRules()).isEmpty();
            assertThat(DecisionTable.steps(routing, AutoApproval.class)).isEmpty();
            assertThat(DecisionTable.steps(routing, EscalationApproval.class)).isEmpty();
            EscalationPlan plan = DecisionTable.escalation(routing, "reason", RuleRef.CURRENT);
            assertThat(plan.allowed()).isFalse();
            assertThat(plan.refusal()).isEqualTo(CheckCode.NO_MATCHING_RULE);
            assertThat(plan.schedules()).isEmpty();
            assertThat(plan.allowsOneParty()).isFalse();
            assertThat(DecisionTable.eligibleSteps(routing, AutoApproval.class, "reason")).isEmpty();
            assertThat(DecisionTable.eligibleSteps(routing, EscalationApproval.class, "reason")).isEmpty();
        }
    }

    /** What a match allows is read per step by {@link DecisionTable}; these pin how it reads a routing. */
    @Nested
    class WhatTheMatchAllows {

        @Test
        void approverSchedulesAreTheUnionInRuleOrderWithoutDuplicates() {
            List<Rule> rules = List.of(
                    anyRule("first", escalation("S3", "S1"), new AutoApproval(false), escalation("S1", "S4")),
                    anyRule("second", escalation("S2", "S3")),
                    new Rule("disabled", true, RequestorMatcher.ANY, ResourceMatcher.ANY, List.of(escalation("S9"))),
                    rule("not bob", user(BOB), ResourceMatcher.ANY, escalation("S8")),
                    anyRule("third", escalation("S5", "S2")));
            Routing routing = route(rules, ALICE, PROD_DB);
            assertThat(DecisionTable.escalation(routing, (String) null, RuleRef.CURRENT).schedules())
                    .containsExactly("S3", "S1", "S4", "S2", "S5");
            assertThat(DecisionTable.steps(routing, EscalationApproval.class))
                    .extracting(Step::rule, Step::index)
                    .containsExactly(tuple("first", 0), tuple("first", 2), tuple("second", 0), tuple("third", 0));
        }

        @Test
        void autoApprovalsAndEscalationsAreCollectedFromAllMatchedRules() {
            List<Rule> rules = List.of(anyRule("a", new AutoApproval(true)), anyRule("b", escalation("S1")),
                    anyRule("c", new AutoApproval(false), escalation("S2")));
            Routing routing = route(rules, ALICE, PROD_DB);
            assertThat(DecisionTable.steps(routing, AutoApproval.class))
                    .extracting(Step::rule, Step::index, Step::approval)
                    .containsExactly(tuple("a", 0, new AutoApproval(true)), tuple("c", 0, new AutoApproval(false)));
            assertThat(DecisionTable.steps(routing, EscalationApproval.class))
                    .extracting(Step::rule, Step::index, Step::approval)
                    .containsExactly(tuple("b", 0, escalation("S1")), tuple("c", 1, escalation("S2")));

            Routing escalationOnly = route(List.of(anyRule("b", escalation("S1"))), ALICE, PROD_DB);
            assertThat(DecisionTable.steps(escalationOnly, AutoApproval.class)).isEmpty();
        }

        @Test
        void allowsOnePartyOnlyThroughAMatchedEligibleStepThatAllowsIt() {
            EscalationApproval strict = escalation("S1");
            EscalationApproval lenient = new EscalationApproval(List.of("S2"), true, false);
            assertThat(plan(route(List.of(anyRule("a", strict), anyRule("b", lenient)), ALICE, PROD_DB), null)
                    .allowsOneParty()).isTrue();
            assertThat(plan(route(List.of(anyRule("a", strict)), ALICE, PROD_DB), null).allowsOneParty()).isFalse();
            // a lenient rule that does not match does not count
            List<Rule> lenientForBob = List.of(anyRule("a", strict), rule("b", user(BOB), ResourceMatcher.ANY, lenient));
            assertThat(plan(route(lenientForBob, ALICE, PROD_DB), null).allowsOneParty()).isFalse();
            assertThat(plan(route(lenientForBob, BOB, PROD_DB), null).allowsOneParty()).isTrue();
            // nor does a disabled one
            assertThat(plan(route(List.of(anyRule("a", strict),
                    new Rule("off", true, RequestorMatcher.ANY, ResourceMatcher.ANY, List.of(lenient))),
                    ALICE, PROD_DB), null).allowsOneParty()).isFalse();
            // nor a lenient step whose reason requirement is not met
            EscalationApproval lenientNeedsReason = new EscalationApproval(List.of("S2"), true, true);
            Routing mixed = route(List.of(anyRule("a", strict), anyRule("b", lenientNeedsReason)), ALICE, PROD_DB);
            assertThat(plan(mixed, null).allowsOneParty()).isFalse();
            assertThat(plan(mixed, "INC-42").allowsOneParty()).isTrue();
        }

        @Test
        void autoApprovalReasonSatisfiedPerStep() {
            Routing open = route(List.of(anyRule("a", new AutoApproval(true)), anyRule("b", new AutoApproval(false))),
                    ALICE, PROD_DB);
            // one path does not require a reason: open even without one, through that path only
            assertThat(DecisionTable.eligibleSteps(open, AutoApproval.class, null)).extracting(Step::rule)
                    .containsExactly("b");
            assertThat(DecisionTable.eligibleSteps(open, AutoApproval.class, "  ")).extracting(Step::rule)
                    .containsExactly("b");

            Routing strict = route(List.of(anyRule("a", new AutoApproval(true)), anyRule("b", new AutoApproval(true))),
                    ALICE, PROD_DB);
            assertThat(DecisionTable.eligibleSteps(strict, AutoApproval.class, null)).isEmpty();
            assertThat(DecisionTable.eligibleSteps(strict, AutoApproval.class, "")).isEmpty();
            assertThat(DecisionTable.eligibleSteps(strict, AutoApproval.class, " \t\n")).isEmpty();
            assertThat(DecisionTable.eligibleSteps(strict, AutoApproval.class, "deploy hotfix")).extracting(Step::rule)
                    .containsExactly("a", "b");

            // an escalation that does not require a reason does not open auto-approval
            Routing mixed = route(List.of(anyRule("a", new AutoApproval(true), escalation("S1"))), ALICE, PROD_DB);
            assertThat(DecisionTable.eligibleSteps(mixed, AutoApproval.class, "")).isEmpty();
            assertThat(DecisionTable.eligibleSteps(mixed, EscalationApproval.class, "")).hasSize(1);
        }

        @Test
        void escalationReasonSatisfiedPerStep() {
            EscalationApproval needsReason = new EscalationApproval(List.of("S1"), false, true);
            Routing open = route(List.of(anyRule("a", needsReason), anyRule("b", escalation("S2"))), ALICE, PROD_DB);
            // open without a reason, but only through the step that needs none: S1 is not paged
            assertThat(plan(open, null).allowed()).isTrue();
            assertThat(plan(open, null).schedules()).containsExactly("S2");
            assertThat(plan(open, "").schedules()).containsExactly("S2");
            assertThat(plan(open, "INC-42").schedules()).containsExactly("S1", "S2");

            Routing strict = route(List.of(anyRule("a", needsReason),
                    anyRule("b", new EscalationApproval(List.of("S2"), true, true))), ALICE, PROD_DB);
            assertThat(plan(strict, null).refusal()).isEqualTo(CheckCode.REASON_REQUIRED);
            assertThat(plan(strict, "   ").refusal()).isEqualTo(CheckCode.REASON_REQUIRED);
            assertThat(plan(strict, "incident INC-42").allowed()).isTrue();

            // an auto-approval that does not require a reason does not open escalation
            Routing mixed = route(List.of(anyRule("a", new AutoApproval(false), needsReason)), ALICE, PROD_DB);
            assertThat(plan(mixed, null).refusal()).isEqualTo(CheckCode.REASON_REQUIRED);
            assertThat(DecisionTable.eligibleSteps(mixed, AutoApproval.class, null)).hasSize(1);
        }

        @Test
        void routingFromAParsedPolicy() {
            AccessPolicy policy = PolicyParserTest.PRODUCT_EXAMPLE;
            Routing alice = PolicyEvaluator.route(policy, "ALICE@example.com", PROD_DB);
            assertThat(alice.ruleNames()).containsExactly("Prod databases"); // "everyone else" is disabled
            assertThat(plan(alice, "").schedules()).containsExactly("01SCHEDULEID", "01OTHERID");
            assertThat(DecisionTable.eligibleSteps(alice, AutoApproval.class, "")).isEmpty();
            assertThat(DecisionTable.eligibleSteps(alice, EscalationApproval.class, "")).hasSize(1);
            assertThat(PolicyEvaluator.route(policy, BOB, PROD_DB).matchedRules()).isEmpty();
            assertThat(PolicyEvaluator.route(policy, ALICE, STAGING_DB).matchedRules()).isEmpty();
        }

        private static EscalationPlan plan(Routing routing, String reason) {
            return DecisionTable.escalation(routing, reason, RuleRef.CURRENT);
        }
    }
}
