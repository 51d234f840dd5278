package io.oncallapprover.policy;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.List;

import org.junit.jupiter.api.Nested;
import org.junit.jupiter.api.Test;

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
            assertThat(routing.hasAutoApproval()).isFalse();
            assertThat(routing.hasEscalation()).isFalse();
            assertThat(routing.approverSchedules()).isEmpty();
            assertThat(routing.allowsOneParty()).isFalse();
            assertThat(routing.autoApprovalReasonSatisfied("reason")).isFalse();
            assertThat(routing.escalationReasonSatisfied("reason")).isFalse();
        }
    }

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
            assertThat(routing.approverSchedules()).containsExactly("S3", "S1", "S4", "S2", "S5");
            assertThat(routing.escalations()).hasSize(4);
            assertThat(routing.hasEscalation()).isTrue();
        }

        @Test
        void autoApprovalsAndEscalationsAreCollectedFromAllMatchedRules() {
            List<Rule> rules = List.of(anyRule("a", new AutoApproval(true)), anyRule("b", escalation("S1")),
                    anyRule("c", new AutoApproval(false), escalation("S2")));
            Routing routing = route(rules, ALICE, PROD_DB);
            assertThat(routing.autoApprovals()).containsExactly(new AutoApproval(true), new AutoApproval(false));
            assertThat(routing.hasAutoApproval()).isTrue();
            assertThat(routing.escalations()).containsExactly(escalation("S1"), escalation("S2"));

            Routing escalationOnly = route(List.of(anyRule("b", escalation("S1"))), ALICE, PROD_DB);
            assertThat(escalationOnly.hasAutoApproval()).isFalse();
            assertThat(escalationOnly.autoApprovals()).isEmpty();
        }

        @Test
        void allowsOnePartyWhenAnyMatchedEscalationAllowsIt() {
            EscalationApproval strict = escalation("S1");
            EscalationApproval lenient = new EscalationApproval(List.of("S2"), true, false);
            assertThat(route(List.of(anyRule("a", strict), anyRule("b", lenient)), ALICE, PROD_DB).allowsOneParty())
                    .isTrue();
            assertThat(route(List.of(anyRule("a", strict)), ALICE, PROD_DB).allowsOneParty()).isFalse();
            // a lenient rule that does not match does not count
            List<Rule> lenientForBob = List.of(anyRule("a", strict), rule("b", user(BOB), ResourceMatcher.ANY, lenient));
            assertThat(route(lenientForBob, ALICE, PROD_DB).allowsOneParty()).isFalse();
            assertThat(route(lenientForBob, BOB, PROD_DB).allowsOneParty()).isTrue();
            // nor does a disabled one
            assertThat(route(List.of(new Rule("off", true, RequestorMatcher.ANY, ResourceMatcher.ANY, List.of(lenient))),
                    ALICE, PROD_DB).allowsOneParty()).isFalse();
        }

        @Test
        void autoApprovalReasonSatisfied() {
            Routing open = route(List.of(anyRule("a", new AutoApproval(true)), anyRule("b", new AutoApproval(false))),
                    ALICE, PROD_DB);
            // one path does not require a reason: open even without one
            assertThat(open.autoApprovalReasonSatisfied(null)).isTrue();
            assertThat(open.autoApprovalReasonSatisfied("  ")).isTrue();

            Routing strict = route(List.of(anyRule("a", new AutoApproval(true)), anyRule("b", new AutoApproval(true))),
                    ALICE, PROD_DB);
            assertThat(strict.autoApprovalReasonSatisfied(null)).isFalse();
            assertThat(strict.autoApprovalReasonSatisfied("")).isFalse();
            assertThat(strict.autoApprovalReasonSatisfied(" \t\n")).isFalse();
            assertThat(strict.autoApprovalReasonSatisfied("deploy hotfix")).isTrue();

            // an escalation that does not require a reason does not open auto-approval
            Routing mixed = route(List.of(anyRule("a", new AutoApproval(true), escalation("S1"))), ALICE, PROD_DB);
            assertThat(mixed.autoApprovalReasonSatisfied("")).isFalse();
            assertThat(mixed.escalationReasonSatisfied("")).isTrue();
        }

        @Test
        void escalationReasonSatisfied() {
            EscalationApproval needsReason = new EscalationApproval(List.of("S1"), false, true);
            Routing open = route(List.of(anyRule("a", needsReason), anyRule("b", escalation("S2"))), ALICE, PROD_DB);
            assertThat(open.escalationReasonSatisfied(null)).isTrue();
            assertThat(open.escalationReasonSatisfied("")).isTrue();

            Routing strict = route(List.of(anyRule("a", needsReason),
                    anyRule("b", new EscalationApproval(List.of("S2"), true, true))), ALICE, PROD_DB);
            assertThat(strict.escalationReasonSatisfied(null)).isFalse();
            assertThat(strict.escalationReasonSatisfied("   ")).isFalse();
            assertThat(strict.escalationReasonSatisfied("incident INC-42")).isTrue();

            // an auto-approval that does not require a reason does not open escalation
            Routing mixed = route(List.of(anyRule("a", new AutoApproval(false), needsReason)), ALICE, PROD_DB);
            assertThat(mixed.escalationReasonSatisfied(null)).isFalse();
            assertThat(mixed.autoApprovalReasonSatisfied(null)).isTrue();
        }

        @Test
        void routingFromAParsedPolicy() {
            AccessPolicy policy = PolicyParserTest.PRODUCT_EXAMPLE;
            Routing alice = PolicyEvaluator.route(policy, "ALICE@example.com", PROD_DB);
            assertThat(alice.ruleNames()).containsExactly("Prod databases"); // "everyone else" is disabled
            assertThat(alice.approverSchedules()).containsExactly("01SCHEDULEID", "01OTHERID");
            assertThat(alice.autoApprovalReasonSatisfied("")).isFalse();
            assertThat(alice.escalationReasonSatisfied("")).isTrue();
            assertThat(PolicyEvaluator.route(policy, BOB, PROD_DB).matchedRules()).isEmpty();
            assertThat(PolicyEvaluator.route(policy, ALICE, STAGING_DB).matchedRules()).isEmpty();
        }
    }
}
