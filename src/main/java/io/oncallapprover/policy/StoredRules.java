package io.oncallapprover.policy;

import java.util.List;

import com.fasterxml.jackson.annotation.JsonAlias;
import com.fasterxml.jackson.annotation.JsonIgnoreProperties;
import com.fasterxml.jackson.annotation.JsonInclude;

import io.oncallapprover.policy.AccessPolicy.ApprovalStep;
import io.oncallapprover.policy.AccessPolicy.AutoApproval;
import io.oncallapprover.policy.AccessPolicy.EscalationApproval;
import io.oncallapprover.policy.AccessPolicy.PageMode;
import io.oncallapprover.policy.AccessPolicy.RequesterMatcher;
import io.oncallapprover.policy.AccessPolicy.RequesterType;
import io.oncallapprover.policy.AccessPolicy.ResourceMatcher;
import io.oncallapprover.policy.AccessPolicy.ResourceType;
import io.oncallapprover.policy.AccessPolicy.RotationFilter;
import io.oncallapprover.policy.AccessPolicy.Rule;

/**
 * Rules as they are stored (jsonb: a stored policy, a request's frozen rules), in the shape of the
 * policy document. They were validated when they were written, so they are bound by Jackson and
 * mapped to the model, never read again through the parser that guards against hostile input.
 * {@code requestor}, the first spelling of {@code requester}, is read from rows written before.
 */
@JsonInclude(JsonInclude.Include.NON_NULL)
@JsonIgnoreProperties(ignoreUnknown = true)
public record StoredRules(List<StoredRule> rules) {

    public StoredRules {
        rules = rules == null ? List.of() : List.copyOf(rules);
    }

    @JsonInclude(JsonInclude.Include.NON_NULL)
    public record StoredRule(String name, boolean disabled, @JsonAlias("requestor") Matcher requester, Matcher resource,
            List<Step> approval) {
    }

    /** A requester ({@code type}: any, user; {@code email}) or resource ({@code type}: any, service; {@code service}, {@code name}) matcher. */
    @JsonInclude(JsonInclude.Include.NON_NULL)
    public record Matcher(String type, String email, String service, String name) {
    }

    /** {@code rotations} and {@code layers} are written only when set, so rules stored before they existed read back byte for byte. */
    @JsonInclude(JsonInclude.Include.NON_NULL)
    public record Step(String type, String integration, List<String> services, List<String> rotations, List<String> layers,
            Options options) {
    }

    /** {@code page} and {@code escalationPath} are written only when not the default, as {@code grantUntilShiftEnd}. */
    @JsonInclude(JsonInclude.Include.NON_NULL)
    public record Options(Boolean allowOneParty, Boolean requireReason, Boolean grantUntilShiftEnd, String page,
            String escalationPath) {

        public Options(Boolean allowOneParty, Boolean requireReason, Boolean grantUntilShiftEnd) {
            this(allowOneParty, requireReason, grantUntilShiftEnd, null, null);
        }
    }

    public static StoredRules of(AccessPolicy policy) {
        return new StoredRules(policy.rules().stream().map(StoredRules::of).toList());
    }

    private static StoredRule of(Rule rule) {
        RequesterMatcher requester = rule.requester() == null ? RequesterMatcher.ANY : rule.requester();
        ResourceMatcher resource = rule.resource() == null ? ResourceMatcher.ANY : rule.resource();
        return new StoredRule(rule.name(), rule.disabled(),
                requester.type() == RequesterType.USER ? new Matcher("user", requester.email(), null, null)
                        : new Matcher("any", null, null, null),
                resource.type() == ResourceType.SERVICE ? new Matcher("service", null, resource.service(), resource.name())
                        : new Matcher("any", null, null, null),
                rule.approval().stream().map(StoredRules::of).toList());
    }

    private static Step of(ApprovalStep step) {
        List<String> rotations = step.filter().filters() ? step.filter().rotations() : null;
        List<String> layers = step.filter().layers().isEmpty() ? null : step.filter().layers();
        if (step instanceof EscalationApproval e) {
            return new Step("escalation", "incidentio", e.services(), rotations, layers,
                    new Options(e.allowOneParty(), e.requireReason(), null,
                            e.page() == PageMode.INCIDENT ? null : e.page().spelling(), e.escalationPathId()));
        }
        AutoApproval auto = (AutoApproval) step;
        // Written only when set, so rules stored before the option existed read back byte for byte.
        return new Step("auto", "incidentio", null, rotations, layers, new Options(null, auto.requireReason(),
                auto.grantUntilShiftEnd() ? Boolean.TRUE : null));
    }

    /** The model of these rules. */
    public AccessPolicy toPolicy() {
        return new AccessPolicy(rules.stream().map(StoredRules::toRule).toList());
    }

    private static Rule toRule(StoredRule r) {
        RequesterMatcher requester = r.requester() == null || !"user".equals(r.requester().type()) ? RequesterMatcher.ANY
                : new RequesterMatcher(RequesterType.USER, r.requester().email());
        ResourceMatcher resource = r.resource() == null || !"service".equals(r.resource().type()) ? ResourceMatcher.ANY
                : new ResourceMatcher(ResourceType.SERVICE, r.resource().service(), r.resource().name());
        List<ApprovalStep> steps = r.approval() == null ? List.of() : r.approval().stream().map(StoredRules::toStep).toList();
        return new Rule(r.name(), r.disabled(), requester, resource, steps);
    }

    private static ApprovalStep toStep(Step s) {
        boolean requireReason = s.options() != null && Boolean.TRUE.equals(s.options().requireReason());
        RotationFilter filter = RotationFilter.of(s.rotations(), s.layers());
        return switch (s.type()) {
            case "auto" -> new AutoApproval(requireReason,
                    s.options() != null && Boolean.TRUE.equals(s.options().grantUntilShiftEnd()), filter);
            case "escalation" -> new EscalationApproval(s.services() == null ? List.of() : s.services(),
                    s.options() != null && Boolean.TRUE.equals(s.options().allowOneParty()), requireReason, filter,
                    s.options() != null && "escalation".equals(s.options().page()) ? PageMode.ESCALATION : PageMode.INCIDENT,
                    s.options() == null ? null : s.options().escalationPath());
            default -> throw new IllegalStateException("stored rules hold an unknown step type: " + s.type());
        };
    }
}
