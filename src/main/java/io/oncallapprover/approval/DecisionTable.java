package io.oncallapprover.approval;

import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;

import io.oncallapprover.common.Emails;
import io.oncallapprover.oncall.OnCallSet;
import io.oncallapprover.policy.AccessPolicy.ApprovalStep;
import io.oncallapprover.policy.AccessPolicy.AutoApproval;
import io.oncallapprover.policy.AccessPolicy.EscalationApproval;
import io.oncallapprover.policy.AccessPolicy.RotationFilter;
import io.oncallapprover.policy.AccessPolicy.Rule;
import io.oncallapprover.policy.PolicyEvaluator.Routing;

/**
 * The decision table (docs/decision-table.md): who is auto-approved, who may escalate and what is
 * paged, and who may decide, from the rules a request matches and who is on call. Every path that
 * decides or answers a check goes through here. A rule's options and rotation filters apply to
 * that rule's own steps only: nothing is pooled across rules or steps. Pure: no I/O, no clock, no
 * framework.
 */
public final class DecisionTable {

    private DecisionTable() {
    }

    /** A step of a matched rule: the rule's name, the step's index in its {@code approval} list, the step. */
    public record Step(String rule, int index, ApprovalStep approval) {

        public RuleRef ref(String policy) {
            return new RuleRef(policy, rule, index);
        }

        String describe() {
            return "rule '" + rule + "' step " + index;
        }
    }

    /** Whether the request's reason meets the step's {@code requireReason}: a non-blank reason, when required. */
    public static boolean reasonSatisfied(ApprovalStep step, String reason) {
        return !step.requireReason() || (reason != null && !reason.isBlank());
    }

    /** The steps of {@code kind} of every matched rule, in policy order. */
    public static List<Step> steps(Routing routing, Class<? extends ApprovalStep> kind) {
        List<Step> steps = new ArrayList<>();
        for (Rule rule : routing.matchedRules()) {
            for (int i = 0; i < rule.approval().size(); i++) {
                if (kind.isInstance(rule.approval().get(i))) {
                    steps.add(new Step(rule.name(), i, rule.approval().get(i)));
                }
            }
        }
        return steps;
    }

    /** The steps of {@code kind} whose reason requirement the request meets. */
    public static List<Step> eligibleSteps(Routing routing, Class<? extends ApprovalStep> kind, String reason) {
        return steps(routing, kind).stream().filter(s -> reasonSatisfied(s.approval(), reason)).toList();
    }

    // ---------------------------------------------------------------------------------------------
    // Auto-approval

    /** The schedules whose on-call sets the auto answer depends on; empty when it depends on none. */
    public static List<String> autoSchedulesToAsk(Routing routing, String reason, List<String> autoSchedules) {
        if (autoSchedules == null || eligibleSteps(routing, AutoApproval.class, reason).isEmpty()) {
            return List.of();
        }
        return distinct(autoSchedules);
    }

    /**
     * Auto-approved iff some matched rule has an auto step whose {@code requireReason} is met and
     * under whose rotation filter the requester is on call now for one of the organization's
     * auto-approval schedules; the first such step is the basis. {@code onCallSets} must hold the
     * sets of {@link #autoSchedulesToAsk}.
     */
    public static AutoApprovalDecision auto(Routing routing, String requester, String reason, List<String> autoSchedules,
            List<OnCallSet> onCallSets, Instant now, Duration grant) {
        List<Step> autoSteps = steps(routing, AutoApproval.class);
        if (autoSteps.isEmpty()) {
            return AutoApprovalDecision.denied(CheckCode.NO_MATCHING_RULE,
                    "No enabled access-policy rule matching this request has an auto-approval step.", now);
        }
        List<Step> eligible = autoSteps.stream().filter(s -> reasonSatisfied(s.approval(), reason)).toList();
        if (autoSchedules == null || autoSchedules.isEmpty()) {
            return AutoApprovalDecision.denied(CheckCode.NO_SCHEDULES,
                    "Auto-approval has no schedules configured, so every request is denied.", now,
                    (eligible.isEmpty() ? autoSteps : eligible).get(0).ref(RuleRef.CURRENT));
        }
        if (eligible.isEmpty()) {
            Step first = autoSteps.get(0);
            return AutoApprovalDecision.denied(CheckCode.REASON_REQUIRED, "Auto-approval requires a reason ("
                    + first.describe() + (autoSteps.size() > 1 ? " and every other auto step" : "") + ") and none was given.",
                    now, first.ref(RuleRef.CURRENT));
        }
        // The basis: the first eligible step under whose rotation filter the requester is on call (without filters, the first).
        Step basis = eligible.stream()
                .filter(s -> !Evidence.shiftsOf(requester, autoSchedules, countedFor(s.approval(), onCallSets)).isEmpty())
                .findFirst().orElse(eligible.get(0));
        AutoApprovalDecision onCall = AutoApprovalRules.decide(requester, false, reason, autoSchedules,
                countedFor(basis.approval(), onCallSets), now, grant);
        if (!onCall.approved()) {
            return filtered(eligible) ? AutoApprovalDecision.denied(CheckCode.NOT_ON_CALL, requester + " is not on call for any"
                    + " auto-approval schedule in the rotations the eligible auto steps count.", now, basis.ref(RuleRef.CURRENT))
                    : onCall.withRule(basis.ref(RuleRef.CURRENT));
        }
        String explanation = onCall.explanation().replaceFirst("\\.$", ""); // one sentence, ending with the rule
        Instant expiresAt = onCall.expiresAt();
        if (((AutoApproval) basis.approval()).grantUntilShiftEnd()) {
            Instant shiftEnd = shiftEnd(onCall.evidence());
            if (shiftEnd.isBefore(expiresAt)) {
                expiresAt = shiftEnd;
                explanation = explanation.replaceFirst(" for [^,(]*$", "") + " until the shift ends at " + shiftEnd;
            }
        }
        return new AutoApprovalDecision(true, CheckCode.ON_CALL, explanation + " (" + basis.describe() + ").",
                onCall.evidence().stream().map(e -> e.forStep(basis.rule(), basis.index())).toList(), now,
                expiresAt, basis.ref(RuleRef.CURRENT));
    }

    /**
     * When the shifts that justify an auto-approval end: the latest end among them, since the grant is
     * justified while any one of them lasts.
     */
    static Instant shiftEnd(List<Evidence> justifying) {
        return justifying.stream().map(Evidence::shiftEnd).max(Instant::compareTo)
                .orElseThrow(() -> new IllegalArgumentException("an approval rests on at least one shift"));
    }

    // ---------------------------------------------------------------------------------------------
    // Escalation

    /**
     * Whether a request may be escalated and which schedules the page names: exactly the services of
     * the eligible escalation steps (reason requirement met). {@code refusal} is null when allowed.
     */
    public record EscalationPlan(CheckCode refusal, String explanation, List<String> schedules, List<Step> steps,
            RuleRef rule) {

        public EscalationPlan {
            schedules = List.copyOf(schedules);
            steps = List.copyOf(steps);
        }

        public boolean allowed() {
            return refusal == null;
        }

        /** The names of the rules of the eligible steps, once each, in order. */
        public List<String> ruleNames() {
            return steps.stream().map(Step::rule).distinct().toList();
        }

        /** Whether some eligible step lets the requester decide their own request. */
        public boolean allowsOneParty() {
            return steps.stream().anyMatch(s -> ((EscalationApproval) s.approval()).allowOneParty());
        }

        static EscalationPlan refused(CheckCode code, String explanation, RuleRef rule) {
            return new EscalationPlan(code, explanation, List.of(), List.of(), rule);
        }
    }

    /** The escalation plan under one routing, read from {@code policy} ({@link RuleRef#CURRENT} or {@link RuleRef#FROZEN}). */
    public static EscalationPlan escalation(Routing routing, String reason, String policy) {
        List<Step> steps = steps(routing, EscalationApproval.class);
        if (steps.isEmpty()) {
            return EscalationPlan.refused(CheckCode.NO_MATCHING_RULE,
                    "No matching rule " + of(policy) + " has an escalation step.", new RuleRef(policy, null, null));
        }
        List<Step> eligible = steps.stream().filter(s -> reasonSatisfied(s.approval(), reason)).toList();
        if (eligible.isEmpty()) {
            return EscalationPlan.refused(CheckCode.REASON_REQUIRED, "Every matching escalation step " + of(policy)
                    + " requires a reason (" + steps.get(0).describe() + "), and the request has none.",
                    steps.get(0).ref(policy));
        }
        return new EscalationPlan(null, "Escalation pages the on-call team of " + String.join(", ", servicesOf(eligible))
                + ".", servicesOf(eligible), eligible, eligible.get(0).ref(policy));
    }

    /**
     * A pending request is escalated under both the rules frozen at its creation and the policy in
     * force now: allowed under each, and the page names only schedules both allow.
     */
    public static EscalationPlan escalation(Routing frozen, Routing current, String reason) {
        EscalationPlan underFrozen = escalation(frozen, reason, RuleRef.FROZEN);
        if (!underFrozen.allowed()) {
            return underFrozen;
        }
        EscalationPlan underCurrent = escalation(current, reason, RuleRef.CURRENT);
        if (!underCurrent.allowed()) {
            return underCurrent;
        }
        List<String> both = underFrozen.schedules().stream().filter(underCurrent.schedules()::contains).toList();
        if (both.isEmpty()) {
            return EscalationPlan.refused(CheckCode.NO_MATCHING_RULE, "No approver schedule is named both by the rules "
                    + "this request matched when it was made and by the policy in force now.", underCurrent.rule());
        }
        // The paged steps: those of the frozen rules that still name a schedule both policies allow.
        List<Step> paged = underFrozen.steps().stream()
                .filter(step -> ((EscalationApproval) step.approval()).services().stream().anyMatch(both::contains)).toList();
        return new EscalationPlan(null, "Escalation pages the on-call team of " + String.join(", ", both) + ".", both,
                paged, paged.get(0).ref(RuleRef.FROZEN));
    }

    // ---------------------------------------------------------------------------------------------
    // Who may decide

    /**
     * The schedules whose on-call sets the approver answer depends on under one routing: the services
     * of the eligible escalation steps; none when the answer is known without them.
     */
    public static List<String> approverSchedulesToAsk(Routing routing, String requester, String reason, String approver) {
        List<Step> eligible = eligibleSteps(routing, EscalationApproval.class, reason);
        boolean self = requester != null && Emails.same(approver, requester);
        if (self && eligible.stream().noneMatch(s -> ((EscalationApproval) s.approval()).allowOneParty())) {
            return List.of();
        }
        return servicesOf(eligible);
    }

    /**
     * What the answer under both routings depends on, read in one round: nothing when the frozen rules
     * refuse without on-call data (so an incident.io outage cannot turn that refusal into a 503),
     * the frozen rules' schedules when the policy in force refuses regardless, else the union.
     */
    public static List<String> approverSchedulesToAsk(Routing frozen, Routing current, String requester, String reason,
            String approver) {
        List<String> underFrozen = approverSchedulesToAsk(frozen, requester, reason, approver);
        if (underFrozen.isEmpty()) {
            return List.of(); // the frozen rules refuse without on-call data: that is the answer
        }
        List<String> underCurrent = approverSchedulesToAsk(current, requester, reason, approver);
        if (underCurrent.isEmpty()) {
            return underFrozen; // the policy in force refuses whatever happens; only the frozen answer needs data
        }
        Set<String> ids = new LinkedHashSet<>(underFrozen);
        ids.addAll(underCurrent);
        return List.copyOf(ids);
    }

    /**
     * Approver {@code a} may decide iff some matched rule has an escalation step E whose
     * {@code requireReason} is met, {@code a} is on call now for a schedule of E's services, and
     * {@code a} is not the requester or E allows one party.
     */
    public static ApproverDecision approver(Routing routing, String policy, String requester, String reason,
            String approver, List<OnCallSet> onCallSets, Instant now) {
        List<Step> steps = steps(routing, EscalationApproval.class);
        if (steps.isEmpty()) {
            return ApproverDecision.refused(CheckCode.NO_MATCHING_RULE,
                    "No matching rule " + of(policy) + " has an escalation step, so nobody may decide this request.", now,
                    new RuleRef(policy, null, null));
        }
        List<Step> eligible = steps.stream().filter(s -> reasonSatisfied(s.approval(), reason)).toList();
        if (eligible.isEmpty()) {
            return ApproverDecision.refused(CheckCode.REASON_REQUIRED, "Every matching escalation step " + of(policy)
                    + " requires a reason (" + steps.get(0).describe() + "), and the request has none, so nobody may decide it.",
                    now, steps.get(0).ref(policy));
        }
        String who = Emails.normalize(approver);
        boolean self = requester != null && Emails.same(approver, requester);
        List<Step> usable = self ? eligible.stream().filter(s -> ((EscalationApproval) s.approval()).allowOneParty()).toList()
                : eligible;
        if (usable.isEmpty()) {
            return ApproverDecision.refused(CheckCode.SELF_APPROVAL_NOT_ALLOWED, who + " made this request, and no matching "
                    + "escalation step " + of(policy) + " allows one party to decide it.", now, eligible.get(0).ref(policy));
        }
        for (Step step : usable) {
            List<String> services = ((EscalationApproval) step.approval()).services();
            List<Evidence> evidence = Evidence.shiftsOf(approver, services, countedFor(step.approval(), onCallSets));
            if (!evidence.isEmpty()) {
                Evidence first = evidence.get(0);
                return new ApproverDecision(true, CheckCode.ON_CALL, who + " is on call for schedule " + first.scheduleId()
                        + " until " + first.shiftEnd() + " (" + step.describe() + " " + of(policy) + "), so they may decide.",
                        evidence.stream().map(e -> e.forStep(step.rule(), step.index())).toList(), now, step.ref(policy));
            }
        }
        if (self) {
            for (Step step : eligible) {
                if (!Evidence.shiftsOf(approver, ((EscalationApproval) step.approval()).services(),
                        countedFor(step.approval(), onCallSets)).isEmpty()) {
                    return ApproverDecision.refused(CheckCode.SELF_APPROVAL_NOT_ALLOWED, who + " made this request; they are "
                            + "on call for " + step.describe() + " " + of(policy) + ", which does not allow one party.",
                            now, step.ref(policy));
                }
            }
        }
        return ApproverDecision.refused(CheckCode.NOT_ON_CALL, who + " is not on call now for any of "
                + String.join(", ", servicesOf(usable)) + (filtered(usable) ? " in the rotations their steps count " : " ")
                + of(policy) + ".", now, usable.get(0).ref(policy));
    }

    /**
     * A pending request is decided against both the rules frozen at its creation and the policy in
     * force now: allowed only if each allows; a refusal says which refused.
     */
    public static ApproverDecision approver(Routing frozen, Routing current, String requester, String reason,
            String approver, List<OnCallSet> onCallSets, Instant now) {
        ApproverDecision underFrozen = approver(frozen, RuleRef.FROZEN, requester, reason, approver, onCallSets, now);
        if (!underFrozen.allowed()) {
            return underFrozen;
        }
        ApproverDecision underCurrent = approver(current, RuleRef.CURRENT, requester, reason, approver, onCallSets, now);
        if (!underCurrent.allowed()) {
            return underCurrent;
        }
        // A shift both policies count is listed once, for the frozen rule that named it first.
        List<Evidence> evidence = new ArrayList<>(underFrozen.evidence());
        underCurrent.evidence().stream().filter(e -> evidence.stream().noneMatch(e::sameShift)).forEach(evidence::add);
        return new ApproverDecision(true, CheckCode.ON_CALL, underFrozen.explanation() + " The policy in force now allows it too ("
                + underCurrent.rule().rule() + " step " + underCurrent.rule().step() + ").", evidence, now, underFrozen.rule());
    }

    /**
     * The on-call sets as a step sees them: only the shifts its rotation filter counts; all of them
     * when it has none. One step's filter never applies to another step.
     */
    static List<OnCallSet> countedFor(ApprovalStep step, List<OnCallSet> onCallSets) {
        RotationFilter filter = step.filter();
        if (!filter.filters()) {
            return onCallSets;
        }
        return onCallSets.stream().map(set -> set.filtered(shift -> filter.admits(shift.rotationId(), shift.layerId()))).toList();
    }

    private static boolean filtered(List<Step> steps) {
        return steps.stream().anyMatch(s -> s.approval().filter().filters());
    }

    private static List<String> servicesOf(List<Step> steps) {
        Set<String> ids = new LinkedHashSet<>();
        steps.forEach(s -> ids.addAll(((EscalationApproval) s.approval()).services()));
        return List.copyOf(ids);
    }

    private static List<String> distinct(List<String> ids) {
        return List.copyOf(new LinkedHashSet<>(ids));
    }

    private static String of(String policy) {
        return RuleRef.FROZEN.equals(policy) ? "among the rules this request matched when it was made"
                : "in the access policy in force now";
    }
}
