package io.oncallapprover.policy;

import java.util.ArrayList;
import java.util.List;

import io.oncallapprover.common.Emails;
import io.oncallapprover.policy.AccessPolicy.Rule;

/** Pure matching of a request against the policy: which rules apply, and what they allow. */
public final class PolicyEvaluator {

    private PolicyEvaluator() {
    }

    /** The enabled rules matching a requester and resource, in policy order. Options are read per step (see DecisionTable). */
    public record Routing(List<Rule> matchedRules) {

        public Routing {
            matchedRules = List.copyOf(matchedRules);
        }

        public List<String> ruleNames() {
            return matchedRules.stream().map(Rule::name).toList();
        }
    }

    /**
     * The enabled rules of {@code policy} whose requester and resource matchers match. With
     * {@code resource} null (a chat bot asking in general), resource matchers are ignored.
     */
    public static Routing route(AccessPolicy policy, String requester, RequestedResource resource) {
        List<Rule> matched = new ArrayList<>();
        for (Rule rule : policy.rules()) {
            if (!rule.disabled() && requesterMatches(rule, requester) && (resource == null || resourceMatches(rule, resource))) {
                matched.add(rule);
            }
        }
        return new Routing(matched);
    }

    static boolean requesterMatches(Rule rule, String requester) {
        return switch (rule.requester().type()) {
            case ANY -> true;
            case USER -> Emails.same(rule.requester().email(), requester);
        };
    }

    static boolean resourceMatches(Rule rule, RequestedResource resource) {
        return switch (rule.resource().type()) {
            case ANY -> true;
            case SERVICE -> equalsIgnoreCase(rule.resource().service(), resource.service())
                    && (rule.resource().name() == null || equalsIgnoreCase(rule.resource().name(), resource.name()));
        };
    }

    /** Names compare like emails: trimmed, ASCII letters case-insensitive, nothing else folded. */
    private static boolean equalsIgnoreCase(String a, String b) {
        return a != null && b != null && Emails.same(a, b);
    }
}
