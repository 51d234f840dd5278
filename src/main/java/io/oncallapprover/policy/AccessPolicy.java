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

        /** Which entries of the schedules the step considers count for it. */
        RotationFilter filter();
    }

    /**
     * The step's {@code rotations} and {@code layers}: an entry of a schedule's final rota counts for the step
     * iff its rotation is listed and, when layers are listed, its layer too. No rotations: every entry
     * counts. An entry without a rotation (an override) never counts under a filter.
     */
    public record RotationFilter(List<String> rotations, List<String> layers) {

        public static final RotationFilter NONE = new RotationFilter(List.of(), List.of());

        public RotationFilter {
            rotations = List.copyOf(rotations);
            layers = List.copyOf(layers);
            if (rotations.isEmpty() && !layers.isEmpty()) { // would filter nothing: layers are chosen within rotations
                throw new IllegalArgumentException("layers are only allowed with rotations");
            }
        }

        /** From a document's lists, each absent (null) when not given. */
        public static RotationFilter of(List<String> rotations, List<String> layers) {
            return rotations == null ? NONE : new RotationFilter(rotations, layers == null ? List.of() : layers);
        }

        public boolean filters() {
            return !rotations.isEmpty();
        }

        public boolean admits(String rotationId, String layerId) {
            return rotations.isEmpty() || rotationId != null && rotations.contains(rotationId)
                    && (layers.isEmpty() || layerId != null && layers.contains(layerId));
        }
    }

    /**
     * Auto-approve a requester who is on call for an auto-approval schedule (in the rotations of
     * {@code filter}, if it has any). With {@code grantUntilShiftEnd}, the grant ends when the shift
     * that justified it ends, if that is sooner than the usual grant length.
     */
    public record AutoApproval(boolean requireReason, boolean grantUntilShiftEnd, RotationFilter filter) implements ApprovalStep {

        public AutoApproval {
            filter = filter == null ? RotationFilter.NONE : filter;
        }

        public AutoApproval(boolean requireReason, boolean grantUntilShiftEnd) {
            this(requireReason, grantUntilShiftEnd, RotationFilter.NONE);
        }

        public AutoApproval(boolean requireReason) {
            this(requireReason, false);
        }
    }

    /**
     * Page the on-call team of {@code services}; only its members (in the rotations of {@code filter}, if any) may
     * decide. {@code page} says how they are paged; with {@link PageMode#ESCALATION}, {@code escalationPathId} (may be
     * null) names the incident.io escalation path to page instead of the people on call for {@code services}.
     */
    public record EscalationApproval(List<String> services, boolean allowOneParty, boolean requireReason,
            RotationFilter filter, PageMode page, String escalationPathId) implements ApprovalStep {

        public EscalationApproval {
            services = List.copyOf(services);
            filter = filter == null ? RotationFilter.NONE : filter;
            page = page == null ? PageMode.INCIDENT : page;
            if (escalationPathId != null && page != PageMode.ESCALATION) {
                throw new IllegalArgumentException("an escalation path is only paged with page: escalation");
            }
        }

        public EscalationApproval(List<String> services, boolean allowOneParty, boolean requireReason, RotationFilter filter) {
            this(services, allowOneParty, requireReason, filter, PageMode.INCIDENT, null);
        }

        public EscalationApproval(List<String> services, boolean allowOneParty, boolean requireReason) {
            this(services, allowOneParty, requireReason, RotationFilter.NONE);
        }
    }

    /**
     * How an escalation step pages: by opening an incident.io incident (the default), or by an incident.io
     * escalation, which pages people without an incident.
     */
    public enum PageMode {
        INCIDENT, ESCALATION;

        /** The value as a policy document spells it. */
        public String spelling() {
            return name().toLowerCase(java.util.Locale.ROOT);
        }
    }
}
