package io.oncallapprover.approval;

import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

import io.oncallapprover.oncall.ScheduleEntry;
import io.oncallapprover.policy.AccessPolicy;
import io.oncallapprover.policy.AccessPolicy.ApprovalStep;
import io.oncallapprover.policy.AccessPolicy.AutoApproval;
import io.oncallapprover.policy.AccessPolicy.EscalationApproval;
import io.oncallapprover.policy.AccessPolicy.Rule;
import io.oncallapprover.policy.RequestedResource;

/**
 * An independent reference model of the decision table, written from the specification text and
 * not from {@link DecisionTable}: it reuses none of the production helpers (no {@code Emails}, no
 * {@code PolicyEvaluator}, no {@code OnCallSet}), only the policy data types as input. It is
 * deliberately naive: lists and loops, no early returns that the text does not spell out.
 *
 * <p>Who is on call is read from the raw schedule entries (what incident.io returned), not from the
 * production {@code OnCallSet}: an entry puts its person on call at {@code now} iff
 * {@code start <= now < end} and it names an email. For a step, only the entries its rotation filter
 * counts: all of them when it lists no rotations; else those whose rotation is listed and, when it
 * lists layers, whose layer is listed too (an entry without a rotation never).
 */
final class DecisionTableModel {

    private DecisionTableModel() {
    }

    // ---------------------------------------------------------------------------------------------
    // Identity

    /** ASCII {@code A}-{@code Z} mapped to {@code a}-{@code z}; every other character kept as it is. */
    static String asciiLower(String s) {
        StringBuilder out = new StringBuilder(s.length());
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            out.append(c >= 'A' && c <= 'Z' ? (char) (c - 'A' + 'a') : c);
        }
        return out.toString();
    }

    /**
     * Who an email names: trimmed (characters up to U+0020 at either end, as {@code String.trim}
     * does), then ASCII-lower-cased. Null when nothing is left: an empty email names nobody.
     */
    static String identity(String email) {
        if (email == null) {
            return null;
        }
        int from = 0;
        int to = email.length();
        while (from < to && email.charAt(from) <= ' ') {
            from++;
        }
        while (to > from && email.charAt(to - 1) <= ' ') {
            to--;
        }
        return from == to ? null : asciiLower(email.substring(from, to));
    }

    /** The same person: both name someone, and the same one. */
    static boolean samePerson(String a, String b) {
        String ia = identity(a);
        return ia != null && ia.equals(identity(b));
    }

    /** Names of services and resources: equal ignoring ASCII case only; null matches nothing. */
    static boolean sameName(String a, String b) {
        return a != null && b != null && asciiLower(a).equals(asciiLower(b));
    }

    // ---------------------------------------------------------------------------------------------
    // Matching

    static List<Rule> matchingRules(AccessPolicy policy, String requester, RequestedResource resource) {
        List<Rule> matched = new ArrayList<>();
        for (Rule rule : policy.rules()) {
            if (rule.disabled()) {
                continue;
            }
            boolean who = switch (rule.requester().type()) {
                case ANY -> true;
                case USER -> samePerson(rule.requester().email(), requester);
            };
            boolean what = resource == null || switch (rule.resource().type()) {
                case ANY -> true;
                case SERVICE -> sameName(rule.resource().service(), resource.service())
                        && (rule.resource().name() == null || sameName(rule.resource().name(), resource.name()));
            };
            if (who && what) {
                matched.add(rule);
            }
        }
        return matched;
    }

    static boolean reasonSatisfied(ApprovalStep step, String reason) {
        if (!step.requireReason()) {
            return true;
        }
        if (reason == null) {
            return false;
        }
        for (int i = 0; i < reason.length(); i++) {
            if (!Character.isWhitespace(reason.charAt(i))) {
                return true;
            }
        }
        return false;
    }

    /** A step of a matched rule, as the model sees it. */
    record ModelStep(String rule, int index, ApprovalStep step) {

        EscalationApproval escalation() {
            return (EscalationApproval) step;
        }
    }

    static List<ModelStep> stepsOf(List<Rule> rules, Class<? extends ApprovalStep> kind) {
        List<ModelStep> out = new ArrayList<>();
        for (Rule rule : rules) {
            for (int i = 0; i < rule.approval().size(); i++) {
                if (kind.isInstance(rule.approval().get(i))) {
                    out.add(new ModelStep(rule.name(), i, rule.approval().get(i)));
                }
            }
        }
        return out;
    }

    // ---------------------------------------------------------------------------------------------
    // Who is on call

    /** Whether an entry of this rotation and layer counts for {@code step}, read from the step's lists. */
    static boolean counts(String rotationId, String layerId, ApprovalStep step) {
        List<String> rotations = step.filter().rotations();
        List<String> layers = step.filter().layers();
        if (rotations.isEmpty()) {
            return true;
        }
        if (rotationId == null || !rotations.contains(rotationId)) {
            return false;
        }
        return layers.isEmpty() || layerId != null && layers.contains(layerId);
    }

    /** The raw entries of every schedule, and the instant of the decision. */
    record OnCall(Map<String, List<ScheduleEntry>> entries, Instant now) {

        /** On call for the schedule in an entry that {@code step} counts. */
        boolean isOnCall(String email, String scheduleId, ApprovalStep step) {
            String who = identity(email);
            if (who == null) {
                return false;
            }
            for (ScheduleEntry e : entries.getOrDefault(scheduleId, List.of())) {
                boolean covers = e.startAt().compareTo(now) <= 0 && now.compareTo(e.endAt()) < 0;
                if (covers && who.equals(identity(e.email())) && counts(e.rotationId(), e.layerId(), step)) {
                    return true;
                }
            }
            return false;
        }

        boolean isOnCallForAny(String email, List<String> scheduleIds, ApprovalStep step) {
            for (String id : scheduleIds) {
                if (isOnCall(email, id, step)) {
                    return true;
                }
            }
            return false;
        }
    }

    // ---------------------------------------------------------------------------------------------
    // Auto-approval

    record Auto(boolean approved, CheckCode code, String rule, Integer step) {
    }

    static Auto auto(List<Rule> matched, String requester, String reason, List<String> autoSchedules, OnCall onCall) {
        List<ModelStep> autoSteps = stepsOf(matched, AutoApproval.class);
        List<ModelStep> eligible = autoSteps.stream().filter(s -> reasonSatisfied(s.step(), reason)).toList();
        boolean noSchedules = autoSchedules == null || autoSchedules.isEmpty();
        if (autoSteps.isEmpty()) {
            return new Auto(false, CheckCode.NO_MATCHING_RULE, null, null);
        }
        if (noSchedules) {
            return new Auto(false, CheckCode.NO_SCHEDULES, null, null);
        }
        if (eligible.isEmpty()) {
            return new Auto(false, CheckCode.REASON_REQUIRED, null, null);
        }
        for (ModelStep s : eligible) {
            if (onCall.isOnCallForAny(requester, autoSchedules, s.step())) {
                return new Auto(true, CheckCode.ON_CALL, s.rule(), s.index());
            }
        }
        return new Auto(false, CheckCode.NOT_ON_CALL, null, null);
    }

    // ---------------------------------------------------------------------------------------------
    // Escalation

    /** {@code refusedBy} names the policy (frozen or current) whose refusal it is; null when allowed. */
    record Escalation(boolean allowed, CheckCode code, Set<String> schedules, String refusedBy) {
    }

    static Escalation escalation(List<Rule> matched, String reason, String policy) {
        List<ModelStep> steps = stepsOf(matched, EscalationApproval.class);
        if (steps.isEmpty()) {
            return new Escalation(false, CheckCode.NO_MATCHING_RULE, Set.of(), policy);
        }
        Set<String> schedules = new LinkedHashSet<>();
        boolean any = false;
        for (ModelStep s : steps) {
            if (reasonSatisfied(s.step(), reason)) {
                any = true;
                schedules.addAll(s.escalation().services());
            }
        }
        if (!any) {
            return new Escalation(false, CheckCode.REASON_REQUIRED, Set.of(), policy);
        }
        return new Escalation(true, null, schedules, null);
    }

    static Escalation escalation(List<Rule> frozen, List<Rule> current, String reason) {
        Escalation f = escalation(frozen, reason, RuleRef.FROZEN);
        Escalation c = escalation(current, reason, RuleRef.CURRENT);
        if (!f.allowed()) {
            return f;
        }
        if (!c.allowed()) {
            return c;
        }
        Set<String> both = new LinkedHashSet<>(f.schedules());
        both.retainAll(c.schedules());
        if (both.isEmpty()) {
            return new Escalation(false, CheckCode.NO_MATCHING_RULE, Set.of(), RuleRef.CURRENT);
        }
        return new Escalation(true, null, both, null);
    }

    /** Every schedule any matched escalation step names, eligible or not. */
    static Set<String> escalationSchedulesInvolved(List<Rule> matched) {
        Set<String> all = new LinkedHashSet<>();
        stepsOf(matched, EscalationApproval.class).forEach(s -> all.addAll(s.escalation().services()));
        return all;
    }

    // ---------------------------------------------------------------------------------------------
    // Who may decide

    record Approver(boolean allowed, CheckCode code, String refusedBy) {
    }

    static Approver approver(List<Rule> matched, String policy, String requester, String reason, String approver,
            OnCall onCall) {
        List<ModelStep> steps = stepsOf(matched, EscalationApproval.class);
        if (steps.isEmpty()) {
            return new Approver(false, CheckCode.NO_MATCHING_RULE, policy);
        }
        List<ModelStep> eligible = steps.stream().filter(s -> reasonSatisfied(s.step(), reason)).toList();
        if (eligible.isEmpty()) {
            return new Approver(false, CheckCode.REASON_REQUIRED, policy);
        }
        boolean self = samePerson(approver, requester);
        boolean someAllowsOneParty = eligible.stream().anyMatch(s -> s.escalation().allowOneParty());
        if (self && !someAllowsOneParty) {
            return new Approver(false, CheckCode.SELF_APPROVAL_NOT_ALLOWED, policy);
        }
        boolean allowed = false;
        boolean onCallForAStepForbiddingSelf = false;
        for (ModelStep e : eligible) {
            boolean onCallForE = onCall.isOnCallForAny(approver, e.escalation().services(), e.step());
            if (onCallForE && (!self || e.escalation().allowOneParty())) {
                allowed = true;
            }
            if (onCallForE && self && !e.escalation().allowOneParty()) {
                onCallForAStepForbiddingSelf = true;
            }
        }
        if (allowed) {
            return new Approver(true, CheckCode.ON_CALL, null);
        }
        if (onCallForAStepForbiddingSelf) {
            return new Approver(false, CheckCode.SELF_APPROVAL_NOT_ALLOWED, policy);
        }
        return new Approver(false, CheckCode.NOT_ON_CALL, policy);
    }

    static Approver approver(List<Rule> frozen, List<Rule> current, String requester, String reason, String approver,
            OnCall onCall) {
        Approver f = approver(frozen, RuleRef.FROZEN, requester, reason, approver, onCall);
        Approver c = approver(current, RuleRef.CURRENT, requester, reason, approver, onCall);
        if (f.allowed() && c.allowed()) {
            return new Approver(true, CheckCode.ON_CALL, null);
        }
        return f.allowed() ? c : f;
    }
}
