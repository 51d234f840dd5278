package io.oncallapprover.policy;

import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Set;

import io.oncallapprover.oncall.Emails;
import io.oncallapprover.policy.AccessPolicy.ApprovalStep;
import io.oncallapprover.policy.AccessPolicy.AutoApproval;
import io.oncallapprover.policy.AccessPolicy.EscalationApproval;
import io.oncallapprover.policy.AccessPolicy.Rule;

/** Pure matching of a request against the policy: which rules apply, and what they allow. */
public final class PolicyEvaluator {

    private PolicyEvaluator() {
    }

    /**
     * What the enabled rules matching a requester and resource allow. With {@code resource} null
     * (a chat bot asking in general), resource matchers are ignored.
     */
    public record Routing(List<Rule> matchedRules) {

        public Routing {
            matchedRules = List.copyOf(matchedRules);
        }

        public List<String> ruleNames() {
            return matchedRules.stream().map(Rule::name).toList();
        }

        /** Names of the matched rules that have an escalation step: the ones naming approvers. */
        public List<String> escalationRuleNames() {
            return matchedRules.stream()
                    .filter(rule -> rule.approval().stream().anyMatch(EscalationApproval.class::isInstance))
                    .map(Rule::name).toList();
        }

        public List<AutoApproval> autoApprovals() {
            return steps(AutoApproval.class);
        }

        public List<EscalationApproval> escalations() {
            return steps(EscalationApproval.class);
        }

        public boolean hasAutoApproval() {
            return !autoApprovals().isEmpty();
        }

        /** True when some auto-approval path is open for this reason (none requiring one, or one given). */
        public boolean autoApprovalReasonSatisfied(String reason) {
            return autoApprovals().stream().anyMatch(a -> !a.requireReason() || hasText(reason));
        }

        public boolean hasEscalation() {
            return !escalations().isEmpty();
        }

        /** True when some escalation path is open for this reason. */
        public boolean escalationReasonSatisfied(String reason) {
            return escalations().stream().anyMatch(e -> !e.requireReason() || hasText(reason));
        }

        /** The schedules whose on-call members may decide: the union over matching escalation rules. */
        public List<String> approverSchedules() {
            Set<String> ids = new LinkedHashSet<>();
            escalations().forEach(e -> ids.addAll(e.services()));
            return List.copyOf(ids);
        }

        /** The requester may decide their own request only if a matching escalation rule allows one party. */
        public boolean allowsOneParty() {
            return escalations().stream().anyMatch(EscalationApproval::allowOneParty);
        }

        private <T extends ApprovalStep> List<T> steps(Class<T> kind) {
            List<T> found = new ArrayList<>();
            for (Rule rule : matchedRules) {
                for (ApprovalStep step : rule.approval()) {
                    if (kind.isInstance(step)) {
                        found.add(kind.cast(step));
                    }
                }
            }
            return found;
        }
    }

    public static Routing route(AccessPolicy policy, String requester, RequestedResource resource) {
        List<Rule> matched = new ArrayList<>();
        for (Rule rule : policy.rules()) {
            if (!rule.disabled() && requestorMatches(rule, requester) && (resource == null || resourceMatches(rule, resource))) {
                matched.add(rule);
            }
        }
        return new Routing(matched);
    }

    static boolean requestorMatches(Rule rule, String requester) {
        return switch (rule.requestor().type()) {
            case ANY -> true;
            case USER -> Emails.same(rule.requestor().email(), requester);
        };
    }

    static boolean resourceMatches(Rule rule, RequestedResource resource) {
        return switch (rule.resource().type()) {
            case ANY -> true;
            case SERVICE -> equalsIgnoreCase(rule.resource().service(), resource.service())
                    && (rule.resource().name() == null || equalsIgnoreCase(rule.resource().name(), resource.name()));
        };
    }

    private static boolean equalsIgnoreCase(String a, String b) {
        return a != null && b != null && a.trim().toLowerCase(Locale.ROOT).equals(b.trim().toLowerCase(Locale.ROOT));
    }

    static boolean hasText(String s) {
        return s != null && !s.isBlank();
    }
}
