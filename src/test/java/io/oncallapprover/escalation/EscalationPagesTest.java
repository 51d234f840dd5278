package io.oncallapprover.escalation;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.Set;
import java.util.TreeSet;

import org.junit.jupiter.api.Test;

import io.oncallapprover.approval.DecisionTable;
import io.oncallapprover.approval.DecisionTable.EscalationPlan;
import io.oncallapprover.approval.RuleRef;
import io.oncallapprover.oncall.OnCallSet;
import io.oncallapprover.oncall.OnCallShift;
import io.oncallapprover.policy.AccessPolicy;
import io.oncallapprover.policy.AccessPolicy.ApprovalStep;
import io.oncallapprover.policy.AccessPolicy.EscalationApproval;
import io.oncallapprover.policy.AccessPolicy.PageMode;
import io.oncallapprover.policy.AccessPolicy.RequesterMatcher;
import io.oncallapprover.policy.AccessPolicy.ResourceMatcher;
import io.oncallapprover.policy.AccessPolicy.RotationFilter;
import io.oncallapprover.policy.AccessPolicy.Rule;
import io.oncallapprover.policy.PagedSchedule;
import io.oncallapprover.policy.PolicyEvaluator;
import io.oncallapprover.policy.RequestedResource;

/**
 * Whom a page reaches: the production {@link EscalationPages} against a reference model written
 * apart, over generated policies and rotas, and the cases that must never happen by name: another
 * rule's path or rotation leaking in, a disabled rule deciding, a person of another rotation paged.
 */
class EscalationPagesTest {

    static final Instant NOW = Instant.parse("2026-03-02T10:00:00Z");
    static final RequestedResource DB = new RequestedResource("role", "postgres", "db");
    static final List<String> SCHEDULES = List.of("S1", "S2", "S3");
    static final List<String> ROTATIONS = List.of("R1", "R2");
    static final List<String> LAYERS = List.of("L1", "L2");
    static final List<String> PATHS = List.of("P1", "P2");

    static EscalationApproval byIncident(String... schedules) {
        return new EscalationApproval(List.of(schedules), false, false, RotationFilter.NONE, PageMode.INCIDENT, null);
    }

    static EscalationApproval byEscalation(String path, RotationFilter filter, String... schedules) {
        return new EscalationApproval(List.of(schedules), false, false, filter, PageMode.ESCALATION, path);
    }

    static Rule rule(String name, boolean disabled, ApprovalStep... steps) {
        return new Rule(name, disabled, RequesterMatcher.ANY, ResourceMatcher.ANY, List.of(steps));
    }

    static EscalationPlan plan(Rule... rules) {
        return DecisionTable.escalation(PolicyEvaluator.route(new AccessPolicy(List.of(rules)), "bob@example.com", DB), "why",
                RuleRef.CURRENT);
    }

    static OnCallShift shift(String schedule, String user, String rotation, String layer) {
        return new OnCallShift(schedule, user + "@example.com", user, NOW.minusSeconds(60), NOW.plusSeconds(3600), "fp-" + user,
                rotation, layer, user == null ? null : "U-" + user);
    }

    // ---- by name ----------------------------------------------------------------------------------

    @Test
    void aPathOfOneRuleAndThePeopleOfAnotherAreSeparateTargetsEachPathOnce() {
        EscalationPages.Page page = EscalationPages.of(plan(
                rule("a", false, byEscalation("P1", RotationFilter.NONE, "S1"), byEscalation(null, new RotationFilter(List.of("R1"), List.of()), "S2")),
                rule("b", false, byEscalation("P1", RotationFilter.NONE, "S3"))));
        assertThat(page.mode()).isEqualTo(PageMode.ESCALATION);
        assertThat(page.targets()).containsExactly(new EscalationPages.Target("P1", List.of()),
                new EscalationPages.Target(null, List.of(new PagedSchedule("S2", List.of("R1"), List.of()))));
    }

    @Test
    void anyPagedStepByIncidentMakesAnIncidentAndADisabledRuleCountsForNothing() {
        assertThat(EscalationPages.of(plan(rule("a", false, byEscalation("P1", RotationFilter.NONE, "S1")),
                rule("b", false, byIncident("S2")))).mode()).isEqualTo(PageMode.INCIDENT);
        EscalationPages.Page page = EscalationPages.of(plan(rule("a", false, byEscalation("P1", RotationFilter.NONE, "S1")),
                rule("off", true, byIncident("S2"), byEscalation("P2", RotationFilter.NONE, "S3"))));
        assertThat(page.mode()).isEqualTo(PageMode.ESCALATION);
        assertThat(page.targets()).extracting(EscalationPages.Target::escalationPathId).containsExactly("P1");
    }

    @Test
    void oneStepsRotationDoesNotLetAnotherRotationsPersonBePaged() {
        List<PagedSchedule> sources = List.of(new PagedSchedule("S1", List.of("R1"), List.of("L1")), new PagedSchedule("S2", List.of(), List.of()));
        List<OnCallSet> onCall = List.of(
                new OnCallSet("S1", NOW, List.of(shift("S1", "grace", "R1", "L1"), shift("S1", "linus", "R2", "L1"),
                        shift("S1", "lena", "R1", "L2"), shift("S1", "ovi", null, null)), true),
                new OnCallSet("S2", NOW, List.of(shift("S2", "olga", "R2", "L2")), true),
                new OnCallSet("S3", NOW, List.of(shift("S3", "mallory", "R1", "L1")), true));
        assertThat(EscalationPages.usersToPage(sources, onCall)).containsExactly("U-grace", "U-olga");
        assertThat(EscalationPages.schedulesOf(List.of(sources.get(0), sources.get(1), sources.get(0))))
                .as("the schedules to read, each once").containsExactly("S1", "S2");
    }

    @Test
    void aScheduleTheCurrentPolicyNoLongerPagesIsNotPagedAndEachSourceIsListedOnce() {
        Rule frozen = rule("a", false, byEscalation(null, RotationFilter.NONE, "S1", "S2"),
                byEscalation(null, RotationFilter.NONE, "S1"));
        Rule current = rule("a", false, byEscalation(null, RotationFilter.NONE, "S1"));
        EscalationPlan plan = DecisionTable.escalation(PolicyEvaluator.route(new AccessPolicy(List.of(frozen)), "bob@example.com", DB),
                PolicyEvaluator.route(new AccessPolicy(List.of(current)), "bob@example.com", DB), "why");
        assertThat(plan.schedules()).containsExactly("S1");
        assertThat(EscalationPages.of(plan).targets()).containsExactly(
                new EscalationPages.Target(null, List.of(new PagedSchedule("S1", List.of(), List.of()))));
    }

    @Test
    void aShiftWithoutAUserIdPagesNobodyAndTheSamePersonIsPagedOnce() {
        List<OnCallSet> onCall = List.of(new OnCallSet("S1", NOW, List.of(
                new OnCallShift("S1", "x@example.com", "X", NOW, NOW.plusSeconds(60), "fp", "R1", "L1", null),
                new OnCallShift("S1", "y@example.com", "Y", NOW, NOW.plusSeconds(60), "fp", "R1", "L1", " "),
                shift("S1", "grace", "R1", "L1"), shift("S1", "grace", "R2", "L1")), true));
        assertThat(EscalationPages.usersToPage(List.of(new PagedSchedule("S1", List.of(), List.of())), onCall))
                .containsExactly("U-grace");
    }

    @Test
    void aRefusedPlanHasNoPage() {
        EscalationPlan refused = plan(rule("a", false, new AccessPolicy.AutoApproval(false)));
        assertThat(refused.allowed()).isFalse();
        assertThatThrownBy(() -> EscalationPages.of(refused)).isInstanceOf(IllegalArgumentException.class);
    }

    // ---- against the model ------------------------------------------------------------------------
    // Plain JUnit, as the decision table's properties: each case is drawn from a Random seeded with
    // SEED + case number, so a failure names the seed that redraws it.

    static final int TRIES = Integer.getInteger("props.tries", 2000);
    static final long SEED = Long.getLong("props.seed", 20261127L);

    @Test
    void thePageIsWhatTheModelSays() {
        int escalations = 0;
        int incidents = 0;
        for (int i = 0; i < TRIES; i++) {
            Random random = new Random(SEED + i);
            List<Rule> rules = policy(random);
            EscalationPlan plan = plan(rules.toArray(Rule[]::new));
            if (!plan.allowed()) {
                continue;
            }
            EscalationPages.Page page = EscalationPages.of(plan);
            String seed = "seed " + (SEED + i) + ", rules " + rules;
            // Model: the escalation steps of enabled rules, in order; escalation only if all say so.
            List<EscalationApproval> steps = new ArrayList<>();
            for (Rule r : rules) {
                if (!r.disabled()) {
                    r.approval().stream().filter(EscalationApproval.class::isInstance).map(EscalationApproval.class::cast)
                            .forEach(steps::add);
                }
            }
            boolean allEscalation = steps.stream().allMatch(st -> st.page() == PageMode.ESCALATION);
            assertThat(page.mode()).as(seed).isEqualTo(allEscalation ? PageMode.ESCALATION : PageMode.INCIDENT);
            if (!allEscalation) {
                assertThat(page.targets()).as(seed).isEmpty();
                incidents++;
                continue;
            }
            escalations++;
            Set<String> paths = new LinkedHashSet<>();
            Map<String, Set<List<List<String>>>> people = new LinkedHashMap<>();
            for (EscalationApproval st : steps) {
                if (st.escalationPathId() != null) {
                    paths.add(st.escalationPathId());
                } else {
                    for (String schedule : st.services()) {
                        people.computeIfAbsent(schedule, k -> new LinkedHashSet<>())
                                .add(List.of(st.filter().rotations(), st.filter().layers()));
                    }
                }
            }
            List<String> pagedPaths = page.targets().stream().map(EscalationPages.Target::escalationPathId)
                    .filter(java.util.Objects::nonNull).toList();
            assertThat(pagedPaths).as(seed).containsExactlyElementsOf(paths);
            List<EscalationPages.Target> peopleTargets = page.targets().stream().filter(t -> t.escalationPathId() == null).toList();
            assertThat(peopleTargets).as(seed).hasSize(people.isEmpty() ? 0 : 1);
            Map<String, Set<List<List<String>>>> got = new LinkedHashMap<>();
            peopleTargets.forEach(t -> t.sources().forEach(src -> got.computeIfAbsent(src.scheduleId(), k -> new LinkedHashSet<>())
                    .add(List.of(src.rotations(), src.layers()))));
            assertThat(got).as(seed).isEqualTo(people);
            peopleTargets.forEach(t -> assertThat(t.sources()).as(seed + ": each source once").doesNotHaveDuplicates());
            if (!peopleTargets.isEmpty()) {
                assertThat(page.targets().get(page.targets().size() - 1)).as(seed + ": the people come last").isEqualTo(peopleTargets.get(0));
            }
        }
        assertThat(escalations).as("both kinds of page drawn often").isGreaterThan(TRIES / 20);
        assertThat(incidents).isGreaterThan(TRIES / 20);
    }

    @Test
    void thePeoplePagedAreWhatTheModelSays() {
        int nobody = 0;
        for (int i = 0; i < TRIES; i++) {
            Random random = new Random(SEED + i);
            List<PagedSchedule> sources = sources(random);
            List<OnCallShift> shifts = rota(random);
            Map<String, List<OnCallShift>> bySchedule = new LinkedHashMap<>();
            SCHEDULES.forEach(sc -> bySchedule.put(sc, new ArrayList<>()));
            shifts.forEach(sh -> bySchedule.get(sh.scheduleId()).add(sh));
            List<OnCallSet> onCall = bySchedule.entrySet().stream().map(e -> new OnCallSet(e.getKey(), NOW, e.getValue(), true)).toList();

            TreeSet<String> model = new TreeSet<>();
            for (PagedSchedule src : sources) {
                for (OnCallShift sh : shifts) {
                    boolean rotationOk = src.rotations().isEmpty() || sh.rotationId() != null && src.rotations().contains(sh.rotationId());
                    boolean layerOk = src.layers().isEmpty() || sh.layerId() != null && src.layers().contains(sh.layerId());
                    if (sh.scheduleId().equals(src.scheduleId()) && sh.userId() != null && rotationOk && layerOk) {
                        model.add(sh.userId());
                    }
                }
            }
            nobody += model.isEmpty() ? 1 : 0;
            assertThat(EscalationPages.usersToPage(sources, onCall)).as("seed " + (SEED + i) + ": " + sources + " over " + shifts)
                    .containsExactlyElementsOf(model);
        }
        assertThat(nobody).as("cases with nobody to page are drawn, and not only those").isBetween(TRIES / 50, TRIES - TRIES / 5);
    }

    // ---- generators -------------------------------------------------------------------------------

    private static <T> T pick(Random random, List<T> from) {
        return from.get(random.nextInt(from.size()));
    }

    private static List<String> subset(Random random, List<String> from, int max) {
        List<String> out = new ArrayList<>();
        for (String s : from) {
            if (out.size() < max && random.nextInt(3) == 0) {
                out.add(s);
            }
        }
        return out;
    }

    private static List<Rule> policy(Random random) {
        List<Rule> rules = new ArrayList<>();
        int count = 1 + random.nextInt(4);
        for (int r = 0; r < count; r++) {
            List<ApprovalStep> steps = new ArrayList<>();
            int n = 1 + random.nextInt(3);
            for (int s = 0; s < n; s++) {
                if (random.nextInt(6) == 0) {
                    steps.add(new AccessPolicy.AutoApproval(false));
                    continue;
                }
                List<String> schedules = subset(random, SCHEDULES, 2);
                if (schedules.isEmpty()) {
                    schedules = List.of(pick(random, SCHEDULES));
                }
                List<String> rotations = subset(random, ROTATIONS, 2);
                RotationFilter filter = rotations.isEmpty() ? RotationFilter.NONE : new RotationFilter(rotations, subset(random, LAYERS, 2));
                // mostly escalation pages, so that pages made only of escalations are common
                PageMode mode = random.nextInt(4) == 0 ? PageMode.INCIDENT : PageMode.ESCALATION;
                String path = mode == PageMode.ESCALATION && random.nextBoolean() ? pick(random, PATHS) : null;
                steps.add(new EscalationApproval(schedules, false, false, filter, mode, path));
            }
            rules.add(rule("r" + r, random.nextInt(4) == 0, steps.toArray(ApprovalStep[]::new)));
        }
        return rules;
    }

    private static List<PagedSchedule> sources(Random random) {
        List<PagedSchedule> sources = new ArrayList<>();
        int n = random.nextInt(4);
        for (int i = 0; i < n; i++) {
            List<String> rotations = subset(random, ROTATIONS, 2);
            sources.add(new PagedSchedule(pick(random, SCHEDULES), rotations, rotations.isEmpty() ? List.of() : subset(random, LAYERS, 2)));
        }
        return sources;
    }

    private static List<OnCallShift> rota(Random random) {
        List<OnCallShift> shifts = new ArrayList<>();
        int n = random.nextInt(8);
        for (int i = 0; i < n; i++) {
            String user = pick(random, List.of("ada", "grace", "linus", "olga"));
            shifts.add(new OnCallShift(pick(random, SCHEDULES), user + "@example.com", user, NOW, NOW.plusSeconds(60), "fp",
                    random.nextInt(5) == 0 ? null : pick(random, ROTATIONS), random.nextInt(5) == 0 ? null : pick(random, LAYERS),
                    random.nextInt(4) == 0 ? null : "U-" + user));
        }
        return shifts;
    }
}
