package io.oncallapprover.policy;

import java.util.List;

/**
 * An organization's routing rules, in order (PRODUCT §2). Pure data: parsing is {@link PolicyParser},
 * matching is {@link PolicyEvaluator}.
 */
public record AccessPolicy(List<Rule> rules) {

    public AccessPolicy {
        rules = List.copyOf(rules);
    }

    /** A stored policy with no rules: it matches nothing. */
    public static final AccessPolicy EMPTY = new AccessPolicy(List.of());

    /** The name of the one rule of {@link #DEFAULT_ROUTING}. */
    public static final String DEFAULT_RULE_NAME = "default routing";

    /**
     * How an organization without a stored policy is routed: one rule matching everyone and
     * everything, with a single auto step (no reason required) and no escalation.
     */
    public static final AccessPolicy DEFAULT_ROUTING = new AccessPolicy(List.of(new Rule(DEFAULT_RULE_NAME, false,
            RequesterMatcher.ANY, ResourceMatcher.ANY, List.of(new AutoApproval(false)))));

    /** One routing rule: who, for what, and how the request may be approved. */
    public record Rule(String name, boolean disabled, RequesterMatcher requester, ResourceMatcher resource,
            List<ApprovalStep> approval) {

        public Rule {
            approval = List.copyOf(approval);
        }
    }

    /** Who a rule applies to (the person asking: the requester): anyone, or one user by email. */
    public record RequesterMatcher(RequesterType type, String email) {

        public static final RequesterMatcher ANY = new RequesterMatcher(RequesterType.ANY, null);
    }

    public enum RequesterType {
        ANY, USER
    }

    /**
     * What a rule applies to: any resource, or the resources of one integration/service (by name,
     * case-insensitive), optionally one resource name within it.
     */
    public record ResourceMatcher(ResourceType type, String service, String name) {

        public static final ResourceMatcher ANY = new ResourceMatcher(ResourceType.ANY, null, null);
    }

    public enum ResourceType {
        ANY, SERVICE
    }

    /** An approval path of a rule; only the incident.io integration exists. */
    public sealed interface ApprovalStep permits AutoApproval, EscalationApproval {

        boolean requireReason();
    }

    /**
     * Auto-approve a requester who is on call for an auto-approval schedule. With
     * {@code grantUntilShiftEnd}, the grant ends when the shift that justified it ends, if that is
     * sooner than the usual grant length.
     */
    public record AutoApproval(boolean requireReason, boolean grantUntilShiftEnd) implements ApprovalStep {

        public AutoApproval(boolean requireReason) {
            this(requireReason, false);
        }
    }

    /** Page the on-call team of {@code services}; only its members may decide. */
    public record EscalationApproval(List<String> services, boolean allowOneParty, boolean requireReason)
            implements ApprovalStep {

        public EscalationApproval {
            services = List.copyOf(services);
        }
    }
}
