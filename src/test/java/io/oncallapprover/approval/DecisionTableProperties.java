package io.oncallapprover.approval;

import static org.assertj.core.api.Assertions.fail;

import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Collection;
import java.util.Collections;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Random;
import java.util.Set;
import java.util.function.Function;

import org.junit.jupiter.api.Test;

import io.oncallapprover.approval.DecisionTable.EscalationPlan;
import io.oncallapprover.approval.DecisionTableModel.OnCall;
import io.oncallapprover.oncall.OnCallCalculator;
import io.oncallapprover.oncall.OnCallSet;
import io.oncallapprover.oncall.ScheduleEntry;
import io.oncallapprover.policy.AccessPolicy;
import io.oncallapprover.policy.AccessPolicy.ApprovalStep;
import io.oncallapprover.policy.AccessPolicy.AutoApproval;
import io.oncallapprover.policy.AccessPolicy.EscalationApproval;
import io.oncallapprover.policy.AccessPolicy.RequesterMatcher;
import io.oncallapprover.policy.AccessPolicy.RequesterType;
import io.oncallapprover.policy.AccessPolicy.ResourceMatcher;
import io.oncallapprover.policy.AccessPolicy.ResourceType;
import io.oncallapprover.policy.AccessPolicy.RotationFilter;
import io.oncallapprover.policy.AccessPolicy.Rule;
import io.oncallapprover.policy.PolicyEvaluator;
import io.oncallapprover.policy.PolicyEvaluator.Routing;
import io.oncallapprover.policy.RequestedResource;

/**
 * Property-based tests: {@link DecisionTable} (and the {@link PolicyEvaluator} routing and the
 * {@link OnCallCalculator} sets it is fed) against {@link DecisionTableModel}, an independent model
 * written from the decision table's text, on random policies, requests and rotas.
 *
 * <p>Plain JUnit: each property draws {@code props.tries} cases (default 2000) from a seeded
 * {@link Random}, so every run is the same unless {@code -Dprops.seed=N} says otherwise. A failure
 * names the seed of the failing case (rerun it alone with {@code -Dprops.seed=THAT -Dprops.tries=1})
 * and shows it after greedy shrinking: rules, steps, services, rota entries removed one at a time
 * while the property still fails.
 *
 * <p>The pools are small on purpose, so that requesters, approvers, rule matchers and rota entries
 * collide often; they hold ASCII case variants (the same person) and look-alikes (other people):
 * U+212A KELVIN SIGN for {@code k}, U+017F LONG S for {@code s}, U+0130 and U+0131 for {@code i},
 * fullwidth letters, a combining acute accent, a no-break space.
 */
class DecisionTableProperties {

    static final int TRIES = Integer.getInteger("props.tries", 2000);
    static final long SEED = Long.getLong("props.seed", 20260302L);
    static final Instant NOW = Instant.parse("2026-03-02T10:00:00Z");
    static final Duration GRANT = Duration.ofHours(1);

    static final List<String> SCHEDULES = List.of("S1", "S2", "S3", "S4");
    /** Named by no rule and no auto-approval list: its set must never count. */
    static final String UNRELATED_SCHEDULE = "S9";

    // =============================================================================================
    // Properties

    @Test
    void routingMatchesTheModel() {
        forAll("routing", List.of("0 rules", "1 rules", "2 rules", "3 rules"), c -> {
            List<Rule> prod = c.currentRouting().matchedRules();
            List<Rule> model = c.matchedCurrent();
            Mismatches m = new Mismatches(model.size() + " rules");
            m.check("matched rules", names(prod), names(model));
            m.require("the matched rules themselves", prod.equals(model));
            return m;
        });
    }

    @Test
    void autoApprovalMatchesTheModel() {
        // an approval resting on a later step needs two eligible auto steps with different rotations: rarer, so a lower bar
        forAll("auto", 400, List.of("ON_CALL", "ON_CALL on a later step", "NOT_ON_CALL", "NOT_ON_CALL by rotations",
                "NO_MATCHING_RULE", "NO_SCHEDULES", "REASON_REQUIRED"), c -> {
            Routing routing = c.currentRouting();
            AutoApprovalDecision prod = DecisionTable.auto(routing, c.requester(), c.reason(), c.autoSchedules(), c.sets(),
                    NOW, GRANT);
            DecisionTableModel.Auto model = DecisionTableModel.auto(c.matchedCurrent(), c.requester(), c.reason(),
                    c.autoSchedules(), c.onCall());
            String outcome = model.code().name() + (model.code() == CheckCode.NOT_ON_CALL
                    && c.onCall().isOnCallForAny(c.requester(), c.autoSchedules(), new AutoApproval(false)) ? " by rotations"
                    : model.approved() && !firstEligible(c.matchedCurrent(), AutoApproval.class, c.reason()).equals(
                            List.of(model.rule(), model.step())) ? " on a later step" : "");
            Mismatches m = new Mismatches(outcome);
            m.check("approved", prod.approved(), model.approved());
            m.check("code", prod.code(), model.code());
            if (model.approved()) {
                m.check("rule", prod.rule(), new RuleRef(RuleRef.CURRENT, model.rule(), model.step()));
                m.check("expiresAt", prod.expiresAt(), expectedExpiry(c, model));
                ApprovalStep approving = stepNamed(c.matchedCurrent(), model.rule(), model.step());
                for (Evidence e : prod.evidence()) {
                    m.require("evidence counted by the approving step's rotations: " + e,
                            DecisionTableModel.counts(e.rotationId(), e.layerId(), approving));
                }
            }
            for (Evidence e : prod.evidence()) {
                m.require("evidence from an auto-approval schedule: " + e,
                        c.autoSchedules() != null && c.autoSchedules().contains(e.scheduleId()));
                m.require("evidence about the requester: " + e, DecisionTableModel.samePerson(e.email(), c.requester()));
            }
            m.require("approved with evidence", !prod.approved() || !prod.evidence().isEmpty());
            m.require("each shift once in the evidence: " + prod.evidence(), eachShiftOnce(prod.evidence()));

            List<String> toAsk = DecisionTable.autoSchedulesToAsk(routing, c.reason(), c.autoSchedules());
            Set<String> involved = c.autoSchedules() == null ? Set.of() : new HashSet<>(c.autoSchedules());
            m.require("auto schedules to ask " + toAsk + " within the auto-approval schedules " + involved,
                    involved.containsAll(toAsk));
            AutoApprovalDecision asked = DecisionTable.auto(routing, c.requester(), c.reason(), c.autoSchedules(),
                    c.setsOf(toAsk), NOW, GRANT);
            m.check("decision from only the sets of " + toAsk, asked, prod);
            return m;
        });
    }

    @Test
    void escalationUnderOneRoutingMatchesTheModel() {
        forAll("escalation", List.of("ALLOWED", "NO_MATCHING_RULE", "REASON_REQUIRED"), c -> {
            String policy = c.label();
            EscalationPlan prod = DecisionTable.escalation(c.currentRouting(), c.reason(), policy);
            DecisionTableModel.Escalation model = DecisionTableModel.escalation(c.matchedCurrent(), c.reason(), policy);
            String outcome = model.allowed() ? "ALLOWED" : model.code().name();
            Mismatches m = new Mismatches(outcome);
            compare(m, prod, model);
            m.require("rule read from " + policy + ": " + prod.rule(), prod.rule() == null || policy.equals(prod.rule().policy()));
            return m;
        });
    }

    @Test
    void escalationUnderFrozenAndCurrentMatchesTheModel() {
        forAll("escalation frozen+current", List.of("ALLOWED", "NO_MATCHING_RULE (frozen)", "NO_MATCHING_RULE (current)",
                "REASON_REQUIRED (frozen)", "REASON_REQUIRED (current)"), c -> {
            EscalationPlan prod = DecisionTable.escalation(c.frozenRouting(), c.currentRouting(), c.reason());
            DecisionTableModel.Escalation model = DecisionTableModel.escalation(c.matchedFrozen(), c.matchedCurrent(),
                    c.reason());
            String outcome = model.allowed() ? "ALLOWED" : model.code().name() + " (" + model.refusedBy() + ")";
            Mismatches m = new Mismatches(outcome);
            compare(m, prod, model);
            // the rule a refusal names, when it names one, is read from the policy that refused
            if (!model.allowed() && prod.rule() != null) {
                m.check("policy of the refusal", prod.rule().policy(), model.refusedBy());
            }
            return m;
        });
    }

    @Test
    void approverUnderOneRoutingMatchesTheModel() {
        forAll("approver", List.of("ON_CALL", "ON_CALL self", "NOT_ON_CALL", "NOT_ON_CALL by rotations", "NOT_ON_CALL self",
                "SELF_APPROVAL_NOT_ALLOWED self", "NO_MATCHING_RULE", "REASON_REQUIRED"), c -> {
            String policy = c.label();
            Routing routing = c.currentRouting();
            ApproverDecision prod = DecisionTable.approver(routing, policy, c.requester(), c.reason(), c.approver(),
                    c.sets(), NOW);
            DecisionTableModel.Approver model = DecisionTableModel.approver(c.matchedCurrent(), policy, c.requester(),
                    c.reason(), c.approver(), c.onCall());
            String outcome = model.code().name() + (DecisionTableModel.samePerson(c.approver(), c.requester()) ? " self"
                    : model.code() == CheckCode.NOT_ON_CALL && c.onCall().isOnCallForAny(c.approver(),
                            List.copyOf(DecisionTableModel.escalationSchedulesInvolved(c.matchedCurrent())), new AutoApproval(false))
                            ? " by rotations" : "");
            Mismatches m = new Mismatches(outcome);
            m.check("allowed", prod.allowed(), model.allowed());
            m.check("code", prod.code(), model.code());
            m.require("rule read from " + policy + ": " + prod.rule(), prod.rule() == null || policy.equals(prod.rule().policy()));
            checkApproverEvidence(m, c, prod, DecisionTableModel.escalationSchedulesInvolved(c.matchedCurrent()));

            List<String> toAsk = DecisionTable.approverSchedulesToAsk(routing, c.requester(), c.reason(), c.approver());
            Set<String> involved = DecisionTableModel.escalationSchedulesInvolved(c.matchedCurrent());
            m.require("approver schedules to ask " + toAsk + " within " + involved, involved.containsAll(toAsk));
            ApproverDecision asked = DecisionTable.approver(routing, policy, c.requester(), c.reason(), c.approver(),
                    c.setsOf(toAsk), NOW);
            m.check("decision from only the sets of " + toAsk, asked, prod);
            return m;
        });
    }

    @Test
    void approverUnderFrozenAndCurrentMatchesTheModel() {
        // a refusal by the current policy needs the frozen rules to allow first: rarer, so a lower bar
        forAll("approver frozen+current", 400, List.of("ON_CALL", "NOT_ON_CALL (frozen)", "NOT_ON_CALL (current)",
                "SELF_APPROVAL_NOT_ALLOWED (frozen)", "SELF_APPROVAL_NOT_ALLOWED (current)", "NO_MATCHING_RULE (frozen)",
                "NO_MATCHING_RULE (current)", "REASON_REQUIRED (frozen)", "REASON_REQUIRED (current)"), c -> {
            Routing frozen = c.frozenRouting();
            Routing current = c.currentRouting();
            ApproverDecision prod = DecisionTable.approver(frozen, current, c.requester(), c.reason(), c.approver(),
                    c.sets(), NOW);
            DecisionTableModel.Approver model = DecisionTableModel.approver(c.matchedFrozen(), c.matchedCurrent(),
                    c.requester(), c.reason(), c.approver(), c.onCall());
            String outcome = model.code().name() + (model.allowed() ? "" : " (" + model.refusedBy() + ")");
            Mismatches m = new Mismatches(outcome);
            m.check("allowed", prod.allowed(), model.allowed());
            m.check("code", prod.code(), model.code());
            if (!model.allowed() && prod.rule() != null) {
                m.check("policy of the refusal", prod.rule().policy(), model.refusedBy());
            }
            Set<String> involved = new LinkedHashSet<>(DecisionTableModel.escalationSchedulesInvolved(c.matchedFrozen()));
            involved.addAll(DecisionTableModel.escalationSchedulesInvolved(c.matchedCurrent()));
            checkApproverEvidence(m, c, prod, involved);

            List<String> toAsk = DecisionTable.approverSchedulesToAsk(frozen, current, c.requester(), c.reason(),
                    c.approver());
            m.require("approver schedules to ask " + toAsk + " within " + involved, involved.containsAll(toAsk));
            ApproverDecision asked = DecisionTable.approver(frozen, current, c.requester(), c.reason(), c.approver(),
                    c.setsOf(toAsk), NOW);
            m.check("decision from only the sets of " + toAsk, asked, prod);
            return m;
        });
    }

    /**
     * The decision table says a refusal under frozen and current rules is the frozen one's (naming
     * {@code frozen}), else the current one's: a client reading {@code rule.policy} must be able to
     * tell which refused (found by this property; every refusal now names its policy).
     */
    @Test
    void aRefusalUnderFrozenAndCurrentNamesThePolicyThatRefused() {
        forAll("refusal names its policy", List.of(), c -> {
            Mismatches m = new Mismatches("any");
            ApproverDecision approver = DecisionTable.approver(c.frozenRouting(), c.currentRouting(), c.requester(),
                    c.reason(), c.approver(), c.sets(), NOW);
            DecisionTableModel.Approver approverModel = DecisionTableModel.approver(c.matchedFrozen(), c.matchedCurrent(),
                    c.requester(), c.reason(), c.approver(), c.onCall());
            if (!approverModel.allowed()) {
                m.check("approver refusal's policy (" + approver.code() + ")",
                        approver.rule() == null ? null : approver.rule().policy(), approverModel.refusedBy());
            }
            EscalationPlan plan = DecisionTable.escalation(c.frozenRouting(), c.currentRouting(), c.reason());
            DecisionTableModel.Escalation planModel = DecisionTableModel.escalation(c.matchedFrozen(), c.matchedCurrent(),
                    c.reason());
            if (!planModel.allowed()) {
                m.check("escalation refusal's policy (" + plan.refusal() + ")",
                        plan.rule() == null ? null : plan.rule().policy(), planModel.refusedBy());
            }
            return m;
        });
    }

    private static void compare(Mismatches m, EscalationPlan prod, DecisionTableModel.Escalation model) {
        m.check("allowed", prod.allowed(), model.allowed());
        m.check("refusal", prod.refusal(), model.code());
        m.check("schedules (as a set)", new LinkedHashSet<>(prod.schedules()), model.schedules());
        m.require("schedules without duplicates: " + prod.schedules(),
                new HashSet<>(prod.schedules()).size() == prod.schedules().size());
    }

    private static void checkApproverEvidence(Mismatches m, Case c, ApproverDecision prod, Set<String> involved) {
        m.require("allowed with evidence", !prod.allowed() || !prod.evidence().isEmpty());
        m.require("each shift once in the evidence: " + prod.evidence(), eachShiftOnce(prod.evidence()));
        for (Evidence e : prod.evidence()) {
            m.require("evidence about the approver: " + e, DecisionTableModel.samePerson(e.email(), c.approver()));
            m.require("evidence from a schedule of a matched escalation step: " + e, involved.contains(e.scheduleId()));
            // the step an evidence item names (under the frozen or the current rules) counts its rotation
            boolean counted = false;
            for (List<Rule> rules : List.of(c.matchedCurrent(), c.matchedFrozen())) {
                ApprovalStep step = stepNamed(rules, e.rule(), e.step());
                counted |= step instanceof EscalationApproval esc && esc.services().contains(e.scheduleId())
                        && DecisionTableModel.counts(e.rotationId(), e.layerId(), step);
            }
            m.require("evidence counted by the escalation step it names: " + e, counted);
        }
    }

    /** No shift (schedule, person, start, end, entry, rotation, layer) listed twice, whatever the rules it counted for. */
    static boolean eachShiftOnce(List<Evidence> evidence) {
        Set<List<Object>> shifts = new HashSet<>();
        for (Evidence e : evidence) {
            if (!shifts.add(java.util.Arrays.asList(e.scheduleId(), e.email(), e.shiftStart(), e.shiftEnd(), e.fingerprint(),
                    e.rotationId(), e.layerId()))) {
                return false;
            }
        }
        return true;
    }

    /** The rule name and index of the first step of {@code kind} whose reason requirement is met, or an empty list. */
    static List<Object> firstEligible(List<Rule> rules, Class<? extends ApprovalStep> kind, String reason) {
        for (DecisionTableModel.ModelStep s : DecisionTableModel.stepsOf(rules, kind)) {
            if (DecisionTableModel.reasonSatisfied(s.step(), reason)) {
                return List.of(s.rule(), s.index());
            }
        }
        return List.of();
    }

    /** Step {@code index} of the rule named {@code rule} among {@code rules}, or null. */
    static ApprovalStep stepNamed(List<Rule> rules, String rule, Integer index) {
        for (Rule r : rules) {
            if (r.name().equals(rule) && index != null && index < r.approval().size()) {
                return r.approval().get(index);
            }
        }
        return null;
    }

    // =============================================================================================
    // The case: a policy now, the rules frozen at creation, a request, an approver, the rotas

    /**
     * When the model's approval ends: one grant from now, or, when the approving step caps it, the
     * latest end among the requester's raw entries covering now in the auto-approval schedules that
     * the step's rotations count, if sooner.
     */
    static Instant expectedExpiry(Case c, DecisionTableModel.Auto model) {
        Instant grantEnd = NOW.plus(GRANT);
        AutoApproval approving = (AutoApproval) stepNamed(c.matchedCurrent(), model.rule(), model.step());
        if (!approving.grantUntilShiftEnd()) {
            return grantEnd;
        }
        Instant shiftEnd = null;
        for (String schedule : c.autoSchedules()) {
            for (ScheduleEntry e : c.rotas().getOrDefault(schedule, List.of())) {
                boolean covers = !e.startAt().isAfter(NOW) && e.endAt().isAfter(NOW);
                if (covers && e.email() != null && DecisionTableModel.samePerson(e.email(), c.requester())
                        && DecisionTableModel.counts(e.rotationId(), e.layerId(), approving)
                        && (shiftEnd == null || e.endAt().isAfter(shiftEnd))) {
                    shiftEnd = e.endAt();
                }
            }
        }
        return shiftEnd != null && shiftEnd.isBefore(grantEnd) ? shiftEnd : grantEnd;
    }

    record Case(AccessPolicy current, AccessPolicy frozen, String requester, RequestedResource resource, String reason,
            List<String> autoSchedules, Map<String, List<ScheduleEntry>> rotas, String approver, boolean labelFrozen) {

        Routing currentRouting() {
            return PolicyEvaluator.route(current, requester, resource);
        }

        Routing frozenRouting() {
            return PolicyEvaluator.route(frozen, requester, resource);
        }

        List<Rule> matchedCurrent() {
            return DecisionTableModel.matchingRules(current, requester, resource);
        }

        List<Rule> matchedFrozen() {
            return DecisionTableModel.matchingRules(frozen, requester, resource);
        }

        /** For the single-routing checks: read the routing as the current policy or as frozen rules. */
        String label() {
            return labelFrozen ? RuleRef.FROZEN : RuleRef.CURRENT;
        }

        /** The on-call set of every schedule with a rota, as production computes it from the entries. */
        List<OnCallSet> sets() {
            List<OnCallSet> sets = new ArrayList<>();
            rotas.forEach((id, entries) -> sets.add(OnCallCalculator.onCallAt(id, entries, NOW)));
            return sets;
        }

        /**
         * Only the sets production said it needs, in the same order as {@link #sets()} (evidence
         * follows the order of the sets); a schedule asked for without a rota has an empty set.
         */
        List<OnCallSet> setsOf(Collection<String> asked) {
            List<OnCallSet> sets = new ArrayList<>(sets().stream().filter(s -> asked.contains(s.scheduleId())).toList());
            for (String id : new LinkedHashSet<>(asked)) {
                if (!rotas.containsKey(id)) {
                    sets.add(OnCallCalculator.onCallAt(id, List.of(), NOW));
                }
            }
            return sets;
        }

        OnCall onCall() {
            return new OnCall(rotas, NOW);
        }

        @Override
        public String toString() {
            StringBuilder s = new StringBuilder();
            s.append("\n  requester ").append(show(requester)).append(", approver ").append(show(approver))
                    .append(", reason ").append(show(reason)).append(", resource ")
                    .append(resource == null ? "null (general check)"
                            : "service " + show(resource.service()) + " name " + show(resource.name()))
                    .append(", single-routing label ").append(label());
            s.append("\n  current policy:");
            current.rules().forEach(r -> s.append("\n    ").append(show(r)));
            s.append(frozen.equals(current) ? "\n  frozen: the same policy" : "\n  frozen policy:");
            if (!frozen.equals(current)) {
                frozen.rules().forEach(r -> s.append("\n    ").append(show(r)));
            }
            s.append("\n  auto-approval schedules ").append(autoSchedules);
            s.append("\n  rotas (at ").append(NOW).append("):");
            rotas.forEach((id, entries) -> {
                s.append("\n    ").append(id).append(':');
                entries.forEach(e -> s.append(' ').append(show(e.email())).append('[')
                        .append(Duration.between(NOW, e.startAt())).append(", ").append(Duration.between(NOW, e.endAt()))
                        .append(") ").append(e.rotationId()).append('/').append(e.layerId()));
            });
            return s.toString();
        }
    }

    static String show(Rule r) {
        StringBuilder s = new StringBuilder(r.name());
        if (r.disabled()) {
            s.append(" (disabled)");
        }
        s.append(" who=").append(r.requester().type() == RequesterType.ANY ? "ANY" : show(r.requester().email()));
        s.append(" what=").append(r.resource().type() == ResourceType.ANY ? "ANY"
                : show(r.resource().service()) + "/" + show(r.resource().name()));
        s.append(" steps=");
        for (int i = 0; i < r.approval().size(); i++) {
            ApprovalStep step = r.approval().get(i);
            s.append(i == 0 ? "" : ", ").append(i).append(':');
            if (step instanceof EscalationApproval e) {
                s.append("escalate").append(e.services()).append(e.allowOneParty() ? " oneParty" : "")
                        .append(e.requireReason() ? " needsReason" : "");
            } else {
                s.append("auto").append(step.requireReason() ? " needsReason" : "")
                        .append(((AutoApproval) step).grantUntilShiftEnd() ? " untilShiftEnd" : "");
            }
            if (step.filter().filters()) {
                s.append(" rotations").append(step.filter().rotations()).append(step.filter().layers().isEmpty() ? ""
                        : " layers" + step.filter().layers());
            }
        }
        return s.toString();
    }

    /** Quoted, with every character outside printable ASCII escaped, so look-alikes are visible. */
    static String show(String text) {
        if (text == null) {
            return "null";
        }
        StringBuilder s = new StringBuilder("\"");
        for (char ch : text.toCharArray()) {
            if (ch >= 0x20 && ch < 0x7f) {
                s.append(ch);
            } else {
                s.append(String.format("\\u%04X", (int) ch));
            }
        }
        return s.append('"').toString();
    }

    static List<String> names(List<Rule> rules) {
        return rules.stream().map(Rule::name).toList();
    }

    // =============================================================================================
    // Generators

    static final String[] PEOPLE = { "kate@example.com", "sam@example.com", "ivan@example.com", "bob@example.com" };
    static final String[] SERVICES = { "postgres", "kafka", "sso" };
    static final String[] NAMES = { "prod-db", "staging-db", "eu-1" };
    /** R3 and L3 are in no rota: a step counting only them counts nobody. */
    static final String[] ROTATIONS = { "R1", "R2", "R3" };
    static final String[] LAYERS = { "L1", "L2", "L3" };
    static final String[] REASONS = { null, "", "  ", "\t\n", "\u2003", "INC-42 database down", "x" };

    static Case newCase(Random r) {
        String requesterBase = pick(r, PEOPLE);
        String approverBase = r.nextInt(100) < 40 ? requesterBase : pick(r, PEOPLE);
        String requester = switch (r.nextInt(100)) {
            case 0, 1 -> null;
            case 2 -> "";
            case 3 -> "  ";
            default -> emailVariant(r, requesterBase);
        };
        String approver = r.nextInt(100) < 3 ? null : emailVariant(r, approverBase);
        Gen gen = new Gen(r, requesterBase, approverBase);
        AccessPolicy current = gen.policy("r");
        int f = r.nextInt(100);
        AccessPolicy frozen = f < 25 ? current : f < 85 ? gen.mutate(current) : gen.policy("f");
        RequestedResource resource = r.nextInt(100) < 30 ? null
                : new RequestedResource("role", r.nextInt(100) < 5 ? null : nameVariant(r, pick(r, SERVICES)),
                        r.nextInt(100) < 30 ? null : nameVariant(r, pick(r, NAMES)));
        String reason = r.nextInt(100) < 45 ? REASONS[5 + r.nextInt(2)] : REASONS[r.nextInt(5)];
        List<String> autoSchedules;
        int a = r.nextInt(100);
        if (a < 5) {
            autoSchedules = null;
        } else if (a < 20) {
            autoSchedules = List.of();
        } else {
            autoSchedules = gen.schedules(1 + r.nextInt(3));
        }
        List<String> ids = new ArrayList<>(SCHEDULES);
        ids.add(UNRELATED_SCHEDULE);
        Collections.shuffle(ids, r);
        Map<String, List<ScheduleEntry>> rotas = new LinkedHashMap<>();
        for (String id : ids) {
            if (r.nextInt(100) < 80) {
                rotas.put(id, gen.rota(id.equals(UNRELATED_SCHEDULE) ? 6 : r.nextInt(5)));
            }
        }
        return new Case(current, frozen, requester, resource, reason, autoSchedules, rotas, approver, r.nextBoolean());
    }

    /** Draws policies and rotas whose emails lean towards the requester and approver of the case. */
    record Gen(Random r, String requesterBase, String approverBase) {

        AccessPolicy policy(String prefix) {
            int n = weighted(new int[] { 3, 22, 30, 28, 17 });
            List<Rule> rules = new ArrayList<>();
            for (int i = 0; i < n; i++) {
                rules.add(rule(prefix + i));
            }
            return new AccessPolicy(rules);
        }

        Rule rule(String name) {
            boolean disabled = r.nextInt(100) < 12;
            RequesterMatcher who = r.nextInt(100) < 60 ? RequesterMatcher.ANY
                    : new RequesterMatcher(RequesterType.USER, emailVariant(r, r.nextInt(100) < 70 ? requesterBase
                            : pick(r, PEOPLE)));
            ResourceMatcher what = r.nextInt(100) < 60 ? ResourceMatcher.ANY
                    : new ResourceMatcher(ResourceType.SERVICE, nameVariant(r, pick(r, SERVICES)),
                            r.nextBoolean() ? null : nameVariant(r, pick(r, NAMES)));
            int steps = r.nextInt(100) < 5 ? 0 : 1 + r.nextInt(3);
            List<ApprovalStep> approval = new ArrayList<>();
            for (int i = 0; i < steps; i++) {
                approval.add(step());
            }
            return new Rule(name, disabled, who, what, approval);
        }

        ApprovalStep step() {
            if (r.nextInt(100) < 35) {
                return new AutoApproval(r.nextInt(100) < 35, r.nextInt(100) < 40, filter());
            }
            return new EscalationApproval(schedules(1 + r.nextInt(3)), r.nextInt(100) < 35, r.nextInt(100) < 35, filter());
        }

        /** Half the steps count every entry; the others some of the rotations (R3: in no rota) and, some, of the layers. */
        RotationFilter filter() {
            if (r.nextInt(100) < 50) {
                return RotationFilter.NONE;
            }
            List<String> rotations = some(ROTATIONS);
            return new RotationFilter(rotations, r.nextInt(100) < 40 ? some(LAYERS) : List.of());
        }

        /** A non-empty selection, in a random order, sometimes with a repeat. */
        List<String> some(String[] from) {
            List<String> ids = new ArrayList<>();
            for (int i = 0; i < 1 + r.nextInt(from.length); i++) {
                ids.add(pick(r, from));
            }
            return ids;
        }

        List<String> schedules(int n) {
            List<String> ids = new ArrayList<>();
            for (int i = 0; i < n; i++) {
                ids.add(pick(r, SCHEDULES.toArray(String[]::new)));
            }
            return ids;
        }

        /** The frozen rules of a request made under a policy that has been edited since. */
        AccessPolicy mutate(AccessPolicy policy) {
            List<Rule> rules = new ArrayList<>();
            for (Rule rule : policy.rules()) {
                int k = r.nextInt(100);
                if (k < 20) {
                    continue; // removed
                }
                if (k < 35) {
                    List<ApprovalStep> steps = new ArrayList<>();
                    for (ApprovalStep s : rule.approval()) {
                        steps.add(r.nextBoolean() ? s : step());
                    }
                    rules.add(new Rule(rule.name(), rule.disabled(), rule.requester(), rule.resource(), steps));
                } else if (k < 60) {
                    List<ApprovalStep> steps = new ArrayList<>();
                    for (ApprovalStep s : rule.approval()) {
                        steps.add(s instanceof EscalationApproval e ? tweak(e) : s);
                    }
                    rules.add(new Rule(rule.name(), rule.disabled(), rule.requester(), rule.resource(), steps));
                } else if (k < 67) {
                    rules.add(new Rule(rule.name(), !rule.disabled(), rule.requester(), rule.resource(), rule.approval()));
                } else {
                    rules.add(rule);
                }
            }
            if (r.nextInt(100) < 20) {
                rules.add(r.nextInt(rules.size() + 1), rule("added"));
            }
            return new AccessPolicy(rules);
        }

        /** The same escalation step with one thing changed: its services, one of its options, or its rotations. */
        EscalationApproval tweak(EscalationApproval e) {
            return switch (r.nextInt(4)) {
                case 0 -> new EscalationApproval(schedules(1 + r.nextInt(2)), e.allowOneParty(), e.requireReason(), e.filter());
                case 1 -> new EscalationApproval(e.services(), !e.allowOneParty(), e.requireReason(), e.filter());
                case 2 -> new EscalationApproval(e.services(), e.allowOneParty(), !e.requireReason(), e.filter());
                default -> new EscalationApproval(e.services(), e.allowOneParty(), e.requireReason(), filter());
            };
        }

        List<ScheduleEntry> rota(int n) {
            List<ScheduleEntry> entries = new ArrayList<>();
            for (int i = 0; i < n; i++) {
                int w = r.nextInt(100);
                String email = w < 4 ? null : w < 7 ? " " : w < 35 ? emailVariant(r, requesterBase)
                        : w < 70 ? emailVariant(r, approverBase) : emailVariant(r, pick(r, PEOPLE));
                Instant start;
                Instant end;
                int t = r.nextInt(100);
                if (t < 65) { // on call now
                    start = r.nextInt(10) == 0 ? NOW : NOW.minusSeconds(1 + r.nextInt(8 * 3600));
                    end = r.nextInt(10) == 0 ? NOW.plusNanos(1) : NOW.plusSeconds(1 + r.nextInt(8 * 3600));
                } else if (t < 82) { // ended
                    end = r.nextInt(3) == 0 ? NOW : NOW.minusSeconds(1 + r.nextInt(7200));
                    start = end.minusSeconds(3600);
                } else { // not yet begun
                    start = r.nextInt(3) == 0 ? NOW.plusNanos(1) : NOW.plusSeconds(1 + r.nextInt(7200));
                    end = start.plusSeconds(3600);
                }
                // an override has no rotation; the others lean towards R1 and L1
                int k = r.nextInt(100);
                String rotation = k < 15 ? null : k < 65 ? "R1" : "R2";
                String layer = rotation == null || r.nextInt(100) < 5 ? null : r.nextInt(100) < 60 ? "L1" : "L2";
                entries.add(new ScheduleEntry(start, end, "fp" + r.nextInt(3), rotation, layer, "user", "Name", email));
            }
            return entries;
        }

        private int weighted(int[] weights) {
            int total = 0;
            for (int w : weights) {
                total += w;
            }
            int x = r.nextInt(total);
            for (int i = 0; i < weights.length; i++) {
                x -= weights[i];
                if (x < 0) {
                    return i;
                }
            }
            return weights.length - 1;
        }
    }

    static String pick(Random r, String[] from) {
        return from[r.nextInt(from.length)];
    }

    /** The same person (ASCII case, surrounding spaces) or, less often, a look-alike who is someone else. */
    static String emailVariant(Random r, String base) {
        int k = r.nextInt(100);
        if (k < 45) {
            return base;
        }
        if (k < 65) {
            return flipAsciiCase(r, base);
        }
        if (k < 75) {
            String[] pads = { " ", "\t", "  ", "\n" };
            return pick(r, pads) + flipAsciiCase(r, base) + (r.nextBoolean() ? pick(r, pads) : "");
        }
        return lookAlike(r, flipAsciiCase(r, base));
    }

    /** Service and resource names: never padded (the table does not say names are trimmed). */
    static String nameVariant(Random r, String base) {
        int k = r.nextInt(100);
        if (k < 55) {
            return base;
        }
        if (k < 80) {
            return flipAsciiCase(r, base);
        }
        return lookAlike(r, base);
    }

    static String flipAsciiCase(Random r, String s) {
        StringBuilder out = new StringBuilder();
        for (char c : s.toCharArray()) {
            out.append(r.nextBoolean() && c >= 'a' && c <= 'z' ? (char) (c - 32) : c);
        }
        return out.toString();
    }

    /** Another string that Unicode case folding or normalization would (or a careless eye might) take for {@code s}. */
    static String lookAlike(Random r, String s) {
        for (int attempt = 0; attempt < 4; attempt++) {
            String t = switch (r.nextInt(8)) {
                case 0 -> replaceFirst(s, "kK", '\u212A'); // KELVIN SIGN: lower-cases to 'k'
                case 1 -> replaceFirst(s, "sS", '\u017F'); // LATIN SMALL LETTER LONG S: upper-cases to 'S'
                case 2 -> replaceFirst(s, "iI", '\u0131'); // DOTLESS I: upper-cases to 'I'
                case 3 -> replaceFirst(s, "iI", '\u0130'); // I WITH DOT ABOVE: lower-cases to 'i'
                case 4 -> fullwidth(s);
                case 5 -> s.charAt(0) + "\u0301" + s.substring(1); // combining acute accent
                case 6 -> "\u00A0" + s; // no-break space: not trimmed
                default -> s.replace("a", "\u00E1"); // precomposed a-acute, vs combining above
            };
            if (t != null && !t.equals(s)) {
                return t;
            }
        }
        return fullwidth(s);
    }

    private static String replaceFirst(String s, String candidates, char by) {
        for (int i = 0; i < s.length(); i++) {
            if (candidates.indexOf(s.charAt(i)) >= 0) {
                return s.substring(0, i) + by + s.substring(i + 1);
            }
        }
        return null;
    }

    private static String fullwidth(String s) {
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            if ((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z')) {
                return s.substring(0, i) + (char) (c + 0xFEE0) + s.substring(i + 1);
            }
        }
        return s + "\uFF4B";
    }

    // =============================================================================================
    // Running and shrinking

    /** Collects the differences between production and the model in one case, and how the case came out. */
    static final class Mismatches {

        final String outcome;
        private final List<String> found = new ArrayList<>();

        Mismatches(String outcome) {
            this.outcome = outcome;
        }

        void check(String what, Object production, Object model) {
            if (!Objects.equals(production, model)) {
                found.add(what + ": production " + production + ", model " + model);
            }
        }

        void require(String what, boolean holds) {
            if (!holds) {
                found.add("violated: " + what);
            }
        }

        String result() {
            return found.isEmpty() ? null : String.join("\n  ", found);
        }
    }

    /**
     * Checks {@code property} on {@link #TRIES} cases, then that each of {@code expected} outcomes
     * came out in at least 1% of them (when there are at least 1000): a generator drifting so that a branch is never reached fails too.
     * {@code -Dprops.stats=true} prints how the cases came out.
     */
    static void forAll(String name, List<String> expected, Function<Case, Mismatches> property) {
        forAll(name, 100, expected, property);
    }

    /** As above, each expected outcome in at least one case in {@code oneIn}. */
    static void forAll(String name, int oneIn, List<String> expected, Function<Case, Mismatches> property) {
        Map<String, Integer> outcomes = new java.util.TreeMap<>();
        for (int i = 0; i < TRIES; i++) {
            long seed = SEED + i * 0x9E3779B97F4A7C15L;
            Case c = newCase(new Random(seed));
            Mismatches result = run(property, c);
            String failure = result.result();
            if (failure != null) {
                Case small = shrink(c, property);
                fail("Property '" + name + "' failed at try " + (i + 1) + " of " + TRIES + " (rerun just this case with -Dprops.seed="
                        + seed + " -Dprops.tries=1)\n  " + run(property, small).result() + "\nshrunk case:" + small
                        + "\noriginal failure:\n  " + failure);
            }
            outcomes.merge(result.outcome, 1, Integer::sum);
        }
        if (Boolean.getBoolean("props.stats")) {
            System.out.println("property '" + name + "', " + TRIES + " tries: " + outcomes);
        }
        if (TRIES >= 1000) {
            for (String outcome : expected) {
                if (outcomes.getOrDefault(outcome, 0) < TRIES / oneIn) {
                    fail("Property '" + name + "': outcome " + outcome + " came out in fewer than 1 in " + oneIn + " of " + TRIES
                            + " cases; the generators no longer reach it. Outcomes: " + outcomes);
                }
            }
        }
    }

    static Mismatches run(Function<Case, Mismatches> property, Case c) {
        try {
            return property.apply(c);
        } catch (RuntimeException | AssertionError e) {
            Mismatches m = new Mismatches("threw");
            m.require("no exception, but " + e, false);
            return m;
        }
    }

    /** How big a case is: shrinking only ever takes a strictly smaller one, so it ends. */
    static int size(Case c) {
        int size = size(c.current()) + (c.frozen().equals(c.current()) ? 0 : 1 + size(c.frozen()));
        size += c.resource() == null ? 0 : 1;
        size += c.reason() == null ? 0 : c.reason().equals("x") ? 1 : 2;
        size += c.autoSchedules() == null ? 0 : c.autoSchedules().size();
        for (List<ScheduleEntry> entries : c.rotas().values()) {
            size += 1 + entries.size();
        }
        return size;
    }

    static int size(AccessPolicy policy) {
        int size = 0;
        for (Rule rule : policy.rules()) {
            size += 1 + (rule.requester().type() == RequesterType.ANY ? 0 : 1)
                    + (rule.resource().type() == ResourceType.ANY ? 0 : 1);
            for (ApprovalStep step : rule.approval()) {
                size += 1 + (step instanceof EscalationApproval e ? e.services().size() : 0)
                        + step.filter().rotations().size() + step.filter().layers().size();
            }
        }
        return size;
    }

    /** Greedy: take the first smaller case that still fails, until none does. */
    static Case shrink(Case c, Function<Case, Mismatches> property) {
        Case smallest = c;
        boolean progress = true;
        int budget = 50_000;
        while (progress && budget > 0) {
            progress = false;
            for (Case candidate : simpler(smallest)) {
                if (--budget <= 0) {
                    break;
                }
                if (size(candidate) < size(smallest) && run(property, candidate).result() != null) {
                    smallest = candidate;
                    progress = true;
                    break;
                }
            }
        }
        return smallest;
    }

    static List<Case> simpler(Case c) {
        List<Case> out = new ArrayList<>();
        if (!c.frozen().equals(c.current())) {
            out.add(withPolicies(c, c.current(), c.current()));
        }
        for (AccessPolicy p : simplerPolicies(c.current())) {
            out.add(withPolicies(c, p, c.frozen().equals(c.current()) ? p : c.frozen()));
        }
        for (AccessPolicy p : simplerPolicies(c.frozen())) {
            out.add(withPolicies(c, c.current(), p));
        }
        if (c.resource() != null) {
            out.add(new Case(c.current(), c.frozen(), c.requester(), null, c.reason(), c.autoSchedules(), c.rotas(),
                    c.approver(), c.labelFrozen()));
        }
        // reasons shrink towards null through "x", never back
        List<String> reasons = new ArrayList<>();
        if (c.reason() != null) {
            reasons.add(null);
            if (!c.reason().equals("x")) {
                reasons.add("x");
            }
        }
        for (String reason : reasons) {
            out.add(new Case(c.current(), c.frozen(), c.requester(), c.resource(), reason, c.autoSchedules(), c.rotas(),
                    c.approver(), c.labelFrozen()));
        }
        if (c.autoSchedules() != null) {
            for (int i = 0; i < c.autoSchedules().size(); i++) {
                List<String> fewer = new ArrayList<>(c.autoSchedules());
                fewer.remove(i);
                out.add(new Case(c.current(), c.frozen(), c.requester(), c.resource(), c.reason(), fewer, c.rotas(),
                        c.approver(), c.labelFrozen()));
            }
        }
        for (String id : c.rotas().keySet()) {
            Map<String, List<ScheduleEntry>> without = new LinkedHashMap<>(c.rotas());
            without.remove(id);
            out.add(withRotas(c, without));
            List<ScheduleEntry> entries = c.rotas().get(id);
            for (int i = 0; i < entries.size(); i++) {
                List<ScheduleEntry> fewer = new ArrayList<>(entries);
                fewer.remove(i);
                Map<String, List<ScheduleEntry>> rotas = new LinkedHashMap<>(c.rotas());
                rotas.put(id, fewer);
                out.add(withRotas(c, rotas));
            }
        }
        return out;
    }

    private static Case withPolicies(Case c, AccessPolicy current, AccessPolicy frozen) {
        return new Case(current, frozen, c.requester(), c.resource(), c.reason(), c.autoSchedules(), c.rotas(), c.approver(),
                c.labelFrozen());
    }

    private static Case withRotas(Case c, Map<String, List<ScheduleEntry>> rotas) {
        return new Case(c.current(), c.frozen(), c.requester(), c.resource(), c.reason(), c.autoSchedules(), rotas,
                c.approver(), c.labelFrozen());
    }

    static List<AccessPolicy> simplerPolicies(AccessPolicy policy) {
        List<AccessPolicy> out = new ArrayList<>();
        List<Rule> rules = policy.rules();
        for (int i = 0; i < rules.size(); i++) {
            List<Rule> fewer = new ArrayList<>(rules);
            fewer.remove(i);
            out.add(new AccessPolicy(fewer));
        }
        for (int i = 0; i < rules.size(); i++) {
            for (Rule simpler : simplerRules(rules.get(i))) {
                List<Rule> changed = new ArrayList<>(rules);
                changed.set(i, simpler);
                out.add(new AccessPolicy(changed));
            }
        }
        return out;
    }

    static List<Rule> simplerRules(Rule rule) {
        List<Rule> out = new ArrayList<>();
        List<ApprovalStep> steps = rule.approval();
        for (int i = 0; i < steps.size(); i++) {
            List<ApprovalStep> fewer = new ArrayList<>(steps);
            fewer.remove(i);
            out.add(new Rule(rule.name(), rule.disabled(), rule.requester(), rule.resource(), fewer));
        }
        if (rule.requester().type() != RequesterType.ANY) {
            out.add(new Rule(rule.name(), rule.disabled(), RequesterMatcher.ANY, rule.resource(), steps));
        }
        if (rule.resource().type() != ResourceType.ANY) {
            out.add(new Rule(rule.name(), rule.disabled(), rule.requester(), ResourceMatcher.ANY, steps));
        }
        for (int i = 0; i < steps.size(); i++) {
            if (steps.get(i) instanceof EscalationApproval e) {
                List<ApprovalStep> changed = new ArrayList<>(steps);
                if (e.services().size() > 1) {
                    for (int j = 0; j < e.services().size(); j++) {
                        List<String> services = new ArrayList<>(e.services());
                        services.remove(j);
                        changed.set(i, new EscalationApproval(services, e.allowOneParty(), e.requireReason(), e.filter()));
                        out.add(new Rule(rule.name(), rule.disabled(), rule.requester(), rule.resource(), List.copyOf(changed)));
                    }
                }
            }
            for (RotationFilter filter : simplerFilters(steps.get(i).filter())) {
                List<ApprovalStep> changed = new ArrayList<>(steps);
                changed.set(i, steps.get(i) instanceof EscalationApproval e
                        ? new EscalationApproval(e.services(), e.allowOneParty(), e.requireReason(), filter)
                        : new AutoApproval(steps.get(i).requireReason(), ((AutoApproval) steps.get(i)).grantUntilShiftEnd(), filter));
                out.add(new Rule(rule.name(), rule.disabled(), rule.requester(), rule.resource(), List.copyOf(changed)));
            }
        }
        return out;
    }

    /** No filter; no layers; one rotation or layer fewer (a filter keeps at least one rotation). */
    static List<RotationFilter> simplerFilters(RotationFilter filter) {
        List<RotationFilter> out = new ArrayList<>();
        if (!filter.filters()) {
            return out;
        }
        out.add(RotationFilter.NONE);
        if (!filter.layers().isEmpty()) {
            out.add(new RotationFilter(filter.rotations(), List.of()));
        }
        for (int j = 0; filter.rotations().size() > 1 && j < filter.rotations().size(); j++) {
            List<String> fewer = new ArrayList<>(filter.rotations());
            fewer.remove(j);
            out.add(new RotationFilter(fewer, filter.layers()));
        }
        for (int j = 0; filter.layers().size() > 1 && j < filter.layers().size(); j++) {
            List<String> fewer = new ArrayList<>(filter.layers());
            fewer.remove(j);
            out.add(new RotationFilter(filter.rotations(), fewer));
        }
        return out;
    }
}
