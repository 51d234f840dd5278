package io.oncallapprover.policy;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.List;

import org.junit.jupiter.api.Nested;
import org.junit.jupiter.api.Test;

import io.oncallapprover.policy.AccessPolicy.ApprovalStep;
import io.oncallapprover.policy.AccessPolicy.AutoApproval;
import io.oncallapprover.policy.AccessPolicy.EscalationApproval;
import io.oncallapprover.policy.AccessPolicy.RequesterMatcher;
import io.oncallapprover.policy.AccessPolicy.RequesterType;
import io.oncallapprover.policy.AccessPolicy.ResourceMatcher;
import io.oncallapprover.policy.AccessPolicy.ResourceType;
import io.oncallapprover.policy.AccessPolicy.Rule;
import io.oncallapprover.policy.PolicyEvaluator.Routing;
import io.oncallapprover.approval.DecisionTable;
import io.oncallapprover.approval.DecisionTable.EscalationPlan;
import io.oncallapprover.approval.RuleRef;

class PolicyEvaluatorTest {

    static final String ALICE = "alice@example.com";
    static final String BOB = "bob@example.com";
    static final RequestedResource PROD_DB = new RequestedResource("role", "postgres", "prod-db");
    static final RequestedResource STAGING_DB = new RequestedResource("role", "postgres", "staging-db");
    static final RequestedResource CLUSTER = new RequestedResource("role", "kubernetes", "eu-1");

    static Rule rule(String name, RequesterMatcher requestor, ResourceMatcher resource, ApprovalStep... steps) {
        return new Rule(name, false, requestor, resource, List.of(steps));
    }

    static Rule anyRule(String name, ApprovalStep... steps) {
        return rule(name, RequesterMatcher.ANY, ResourceMatcher.ANY, steps);
    }

    static RequesterMatcher user(String email) {
        return new RequesterMatcher(RequesterType.USER, email);
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
            Rule disabled = new Rule("off", true, RequesterMatcher.ANY, ResourceMatcher.ANY, List.of(new AutoApproval(false)));
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
            Rule prodDb = rule("prod db", RequesterMatcher.ANY, service("Postgres", "PROD-DB"), escalation("S1"));
            Rule anyPostgres = rule("any postgres", RequesterMatcher.ANY, service("postgres", null), escalation("S2"));
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
                    rule("prod db", RequesterMatcher.ANY, service("postgres", "prod-db"), escalation("S1")),
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
            assertThat(plan(routing, "reason").allowed()).isFalse();
            assertThat(plan(routing, "reason").schedules()).isEmpty();
            assertThat(autoOpen(routing, "reason")).isFalse();
        }

        @Test
        void defaultRoutingMatchesEveryoneWithOneAutoStepAndNoEscalation() {
            Routing routing = PolicyEvaluator.route(AccessPolicy.DEFAULT_ROUTING, "anyone@example.com", PROD_DB);
            assertThat(routing.ruleNames()).containsExactly(AccessPolicy.DEFAULT_RULE_NAME);
            assertThat(autoOpen(routing, null)).isTrue();
            assertThat(plan(routing, "reason").allowed()).isFalse();
            assertThat(PolicyEvaluator.route(AccessPolicy.DEFAULT_ROUTING, BOB, null).ruleNames())
                    .containsExactly(AccessPolicy.DEFAULT_RULE_NAME);
        }
    }

    private static EscalationPlan plan(Routing routing, String reason) {
        return DecisionTable.escalation(routing, reason, RuleRef.CURRENT);
    }

    private static boolean autoOpen(Routing routing, String reason) {
        return !DecisionTable.eligibleSteps(routing, AutoApproval.class, reason).isEmpty();
    }

    @Nested
    class WhatTheMatchAllows {

        @Test
        void approverSchedulesAreTheUnionInRuleOrderWithoutDuplicates() {
            List<Rule> rules = List.of(
                    anyRule("first", escalation("S3", "S1"), new AutoApproval(false), escalation("S1", "S4")),
                    anyRule("second", escalation("S2", "S3")),
                    new Rule("disabled", true, RequesterMatcher.ANY, ResourceMatcher.ANY, List.of(escalation("S9"))),
                    rule("not bob", user(BOB), ResourceMatcher.ANY, escalation("S8")),
                    anyRule("third", escalation("S5", "S2")));
            Routing routing = route(rules, ALICE, PROD_DB);
            assertThat(plan(routing, null).schedules()).containsExactly("S3", "S1", "S4", "S2", "S5");
            assertThat(plan(routing, null).steps()).hasSize(4);
            assertThat(plan(routing, null).allowed()).isTrue();
        }

        @Test
        void autoApprovalsAndEscalationsAreCollectedFromAllMatchedRules() {
            List<Rule> rules = List.of(anyRule("a", new AutoApproval(true)), anyRule("b", escalation("S1")),
                    anyRule("c", new AutoApproval(false), escalation("S2")));
            Routing routing = route(rules, ALICE, PROD_DB);
            assertThat(DecisionTable.steps(routing, AutoApproval.class)).extracting(DecisionTable.Step::approval)
                    .containsExactly(new AutoApproval(true), new AutoApproval(false));
            assertThat(DecisionTable.steps(routing, EscalationApproval.class)).extracting(DecisionTable.Step::approval)
                    .containsExactly(escalation("S1"), escalation("S2"));
            assertThat(DecisionTable.steps(routing, EscalationApproval.class))
                    .extracting(DecisionTable.Step::rule, DecisionTable.Step::index)
                    .containsExactly(org.assertj.core.groups.Tuple.tuple("b", 0), org.assertj.core.groups.Tuple.tuple("c", 1));

            Routing escalationOnly = route(List.of(anyRule("b", escalation("S1"))), ALICE, PROD_DB);
            assertThat(DecisionTable.steps(escalationOnly, AutoApproval.class)).isEmpty();
        }

        @Test
        void onePartyIsAllowedOnlyByAnEligibleStepOfAMatchedEnabledRule() {
            EscalationApproval strict = escalation("S1");
            EscalationApproval lenient = new EscalationApproval(List.of("S2"), true, false);
            assertThat(plan(route(List.of(anyRule("a", strict), anyRule("b", lenient)), ALICE, PROD_DB), null).allowsOneParty())
                    .isTrue();
            assertThat(plan(route(List.of(anyRule("a", strict)), ALICE, PROD_DB), null).allowsOneParty()).isFalse();
            // a lenient rule that does not match does not count
            List<Rule> lenientForBob = List.of(anyRule("a", strict), rule("b", user(BOB), ResourceMatcher.ANY, lenient));
            assertThat(plan(route(lenientForBob, ALICE, PROD_DB), null).allowsOneParty()).isFalse();
            assertThat(plan(route(lenientForBob, BOB, PROD_DB), null).allowsOneParty()).isTrue();
            // nor does a disabled one
            assertThat(plan(route(List.of(new Rule("off", true, RequesterMatcher.ANY, ResourceMatcher.ANY, List.of(lenient))),
                    ALICE, PROD_DB), null).allowsOneParty()).isFalse();
            // nor a lenient step that requires a reason the request lacks
            EscalationApproval lenientWithReason = new EscalationApproval(List.of("S2"), true, true);
            assertThat(plan(route(List.of(anyRule("a", strict), anyRule("b", lenientWithReason)), ALICE, PROD_DB), null)
                    .allowsOneParty()).isFalse();
        }

        @Test
        void autoApprovalReasonSatisfied() {
            Routing open = route(List.of(anyRule("a", new AutoApproval(true)), anyRule("b", new AutoApproval(false))),
                    ALICE, PROD_DB);
            // one path does not require a reason: open even without one
            assertThat(autoOpen(open, null)).isTrue();
            assertThat(autoOpen(open, "  ")).isTrue();

            Routing strict = route(List.of(anyRule("a", new AutoApproval(true)), anyRule("b", new AutoApproval(true))),
                    ALICE, PROD_DB);
            assertThat(autoOpen(strict, null)).isFalse();
            assertThat(autoOpen(strict, "")).isFalse();
            assertThat(autoOpen(strict, " \t\n")).isFalse();
            assertThat(autoOpen(strict, "deploy hotfix")).isTrue();

            // an escalation that does not require a reason does not open auto-approval
            Routing mixed = route(List.of(anyRule("a", new AutoApproval(true), escalation("S1"))), ALICE, PROD_DB);
            assertThat(autoOpen(mixed, "")).isFalse();
            assertThat(plan(mixed, "").allowed()).isTrue();
        }

        @Test
        void escalationReasonSatisfiedPagesOnlyTheEligibleSteps() {
            EscalationApproval needsReason = new EscalationApproval(List.of("S1"), false, true);
            Routing open = route(List.of(anyRule("a", needsReason), anyRule("b", escalation("S2"))), ALICE, PROD_DB);
            assertThat(plan(open, null).allowed()).isTrue();
            assertThat(plan(open, null).schedules()).containsExactly("S2");
            assertThat(plan(open, "").schedules()).containsExactly("S2");
            assertThat(plan(open, "why").schedules()).containsExactly("S1", "S2");

            Routing strict = route(List.of(anyRule("a", needsReason),
                    anyRule("b", new EscalationApproval(List.of("S2"), true, true))), ALICE, PROD_DB);
            assertThat(plan(strict, null).allowed()).isFalse();
            assertThat(plan(strict, "   ").allowed()).isFalse();
            assertThat(plan(strict, "incident INC-42").allowed()).isTrue();

            // an auto-approval that does not require a reason does not open escalation
            Routing mixed = route(List.of(anyRule("a", new AutoApproval(false), needsReason)), ALICE, PROD_DB);
            assertThat(plan(mixed, null).allowed()).isFalse();
            assertThat(autoOpen(mixed, null)).isTrue();
        }

        @Test
        void routingFromAParsedPolicy() {
            AccessPolicy policy = PolicyParserTest.PRODUCT_EXAMPLE;
            Routing alice = PolicyEvaluator.route(policy, "ALICE@example.com", PROD_DB);
            assertThat(alice.ruleNames()).containsExactly("Prod databases"); // "everyone else" is disabled
            assertThat(plan(alice, "").schedules()).containsExactly("01SCHEDULEID", "01OTHERID");
            assertThat(autoOpen(alice, "")).isFalse();
            assertThat(plan(alice, "").allowed()).isTrue();
            assertThat(PolicyEvaluator.route(policy, BOB, PROD_DB).matchedRules()).isEmpty();
            assertThat(PolicyEvaluator.route(policy, ALICE, STAGING_DB).matchedRules()).isEmpty();
        }
    }
}
