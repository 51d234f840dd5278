package io.oncallapprover.approval;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.fail;

import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;

import org.junit.jupiter.api.Test;

import io.oncallapprover.approval.DecisionTableModel.OnCall;
import io.oncallapprover.approval.DecisionTableProperties.Case;
import io.oncallapprover.oncall.ListedSchedules;
import io.oncallapprover.oncall.OnCallCalculator;
import io.oncallapprover.oncall.OnCallSet;
import io.oncallapprover.oncall.ScheduleEntry;
import io.oncallapprover.policy.PolicyEvaluator.Routing;

/**
 * The two sources of "who is on call now" give the same decisions: the schedule list (each schedule's
 * shifts current when incident.io answered, up to the staleness bound earlier) and each schedule's
 * entries, on the generated cases of {@link DecisionTableProperties} (look-alike emails, overrides,
 * rotation and layer filters, edges at the instant) plus handovers and starts within the last seconds.
 * Compared with the independent {@link DecisionTableModel} at the instant of the check:
 * <ul>
 * <li>a list fetched at the instant gives exactly the model's decisions;</li>
 * <li>an older list (within the staleness bound) that answers gives exactly the model's decisions too,
 * unless a shift began after the list was fetched without any current shift ending (a gap or a new
 * layer): then it may deny what the model allows, and never allows what the model denies;</li>
 * <li>a list past a handover of an asked schedule does not answer: a fresh one is fetched, so
 * handovers are exact.</li>
 * </ul>
 * Seed and size: {@code -Dprops.seed=N}, {@code -Dprops.tries=N} (as the decision-table properties).
 */
class ListSourceProperties {

    static final Instant NOW = DecisionTableProperties.NOW;
    static final Duration STALENESS = Duration.ofSeconds(10);

    /** How a case's list was used: the counts show the generator reaches each way. */
    private final Map<String, Integer> seen = new LinkedHashMap<>();

    @Test
    void theListGivesTheModelsDecisionsExceptAStartAfterItWasFetchedWhichOnlyDenies() {
        Random random = new Random(DecisionTableProperties.SEED ^ 0x6c697374L);
        List<String> failures = new ArrayList<>();
        for (int i = 0; i < DecisionTableProperties.TRIES && failures.size() < 3; i++) {
            Case c = withRecentEdges(DecisionTableProperties.newCase(random), random);
            Instant fetchedAt = fetchInstant(c, random);
            String failure = compare(c, fetchedAt);
            if (failure != null) {
                failures.add("case " + i + " (list fetched " + Duration.between(fetchedAt, NOW) + " before the check): "
                        + failure + c);
            }
        }
        if (!failures.isEmpty()) {
            fail(String.join("\n\n", failures));
        }
        assertThat(seen).as("ways the list was used: %s", seen)
                .containsKeys("fetched at the instant", "answered, exact", "past a handover: fetched again",
                        "answered, a start since the fetch");
        assertThat(seen.get("answered, a start since the fetch")).isGreaterThan(10);
        assertThat(seen.get("past a handover: fetched again")).isGreaterThan(10);
    }

    /** Adds, to some schedules, a handover in the last ten seconds and a start with nothing ending (a gap). */
    private static Case withRecentEdges(Case c, Random r) {
        Map<String, List<ScheduleEntry>> rotas = new LinkedHashMap<>();
        c.rotas().forEach((id, entries) -> {
            List<ScheduleEntry> more = new ArrayList<>(entries);
            if (r.nextInt(100) < 35) {
                Instant edge = NOW.minusMillis(r.nextInt(10) == 0 ? 0 : r.nextInt(9_999));
                String rotation = r.nextBoolean() ? "R1" : "R2";
                String layer = r.nextBoolean() ? "L1" : "L2";
                more.add(new ScheduleEntry(edge.minusSeconds(3600), edge, "fp-out", rotation, layer, "u1", "Out", person(c, r)));
                more.add(new ScheduleEntry(edge, edge.plusSeconds(3600), "fp-in", rotation, layer, "u2", "In", person(c, r)));
            }
            if (r.nextInt(100) < 20) {
                Instant start = NOW.minusMillis(r.nextInt(10) == 0 ? 0 : r.nextInt(9_999));
                more.add(new ScheduleEntry(start, start.plusSeconds(1800), "fp-gap", r.nextBoolean() ? "R1" : null, "L2", "u3",
                        "Gap", person(c, r)));
            }
            rotas.put(id, more);
        });
        return new Case(c.current(), c.frozen(), c.requester(), c.resource(), c.reason(), c.autoSchedules(), rotas,
                c.approver(), c.labelFrozen());
    }

    /** The requester, the approver (as they spell themselves) or someone else, now and then spelled another way. */
    private static String person(Case c, Random r) {
        int k = r.nextInt(3);
        if (k == 0 && c.requester() != null && !c.requester().isBlank()) {
            return c.requester();
        }
        if (k == 1 && c.approver() != null && !c.approver().isBlank()) {
            return c.approver();
        }
        String base = DecisionTableProperties.pick(r, DecisionTableProperties.PEOPLE);
        return r.nextInt(4) == 0 ? DecisionTableProperties.emailVariant(r, base) : base;
    }

    /** When the list was fetched: at the instant, at an edge of the case, or up to the staleness bound before. */
    private static Instant fetchInstant(Case c, Random r) {
        int k = r.nextInt(100);
        if (k < 20) {
            return NOW;
        }
        if (k < 40) {
            List<Instant> edges = new ArrayList<>();
            c.rotas().values().forEach(entries -> entries.forEach(e -> {
                for (Instant t : List.of(e.startAt(), e.endAt())) {
                    if (!t.isAfter(NOW) && t.isAfter(NOW.minus(STALENESS))) {
                        edges.add(t);
                    }
                }
            }));
            if (!edges.isEmpty()) {
                Instant edge = edges.get(r.nextInt(edges.size()));
                return r.nextBoolean() ? edge : edge.minusNanos(1);
            }
        }
        return NOW.minusMillis(1 + r.nextInt((int) STALENESS.toMillis() - 1));
    }

    /** What incident.io's list says at {@code at}: each schedule's final entries that cover it. */
    static ListedSchedules listAt(Map<String, List<ScheduleEntry>> rotas, Instant at) {
        Map<String, List<ScheduleEntry>> current = new HashMap<>();
        rotas.forEach((id, entries) -> current.put(id, entries.stream().filter(e -> e.covers(at)).toList()));
        return new ListedSchedules(at, current);
    }

    /** The sets the service would decide on, reading the list fetched at {@code fetchedAt}, as {@code OnCallService} does. */
    private List<OnCallSet> setsFromList(Case c, Instant fetchedAt, List<String> asked, String[] how) {
        ListedSchedules held = listAt(c.rotas(), fetchedAt);
        ListedSchedules used = held;
        if (fetchedAt.equals(NOW)) {
            how[0] = "fetched at the instant";
        } else if (!held.answersAll(asked, NOW, NOW, STALENESS)) {
            used = listAt(c.rotas(), NOW);
            how[0] = "past a handover: fetched again";
        } else {
            // A start the list cannot know of: after the fetch, and before any shift current at the fetch ended (a
            // start at or after such an end is a handover, which the list must never miss).
            boolean startSince = asked.stream().anyMatch(id -> {
                List<ScheduleEntry> entries = c.rotas().getOrDefault(id, List.of());
                Instant firstEnd = entries.stream().filter(e -> e.covers(fetchedAt)).map(ScheduleEntry::endAt)
                        .min(Instant::compareTo).orElse(Instant.MAX);
                return entries.stream().anyMatch(e -> e.startAt().isAfter(fetchedAt) && e.startAt().isBefore(firstEnd)
                        && e.covers(NOW));
            });
            how[0] = startSince ? "answered, a start since the fetch" : "answered, exact";
        }
        List<OnCallSet> sets = new ArrayList<>();
        for (String id : asked) {
            sets.add(used.lists(id) ? used.onCallAt(id, NOW) : OnCallCalculator.onCallAt(id, List.of(), NOW));
        }
        return sets;
    }

    /** Null when the list's decisions agree with the model's as the class says; else what differs. */
    private String compare(Case c, Instant fetchedAt) {
        OnCall truth = new OnCall(c.rotas(), NOW);
        Routing routing = c.currentRouting();
        StringBuilder problems = new StringBuilder();

        List<String> autoAsked = DecisionTable.autoSchedulesToAsk(routing, c.reason(), c.autoSchedules());
        String[] how = new String[1];
        AutoApprovalDecision auto = DecisionTable.auto(routing, c.requester(), c.reason(), c.autoSchedules(),
                setsFromList(c, fetchedAt, autoAsked, how), NOW, DecisionTableProperties.GRANT);
        DecisionTableModel.Auto autoModel = DecisionTableModel.auto(c.matchedCurrent(), c.requester(), c.reason(),
                c.autoSchedules(), truth);
        seen.merge(how[0], 1, Integer::sum);
        check(problems, "auto", how[0], auto.approved(), auto.code(), autoModel.approved(), autoModel.code());
        if (!how[0].equals("answered, a start since the fetch")) {
            AutoApprovalDecision fromEntries = DecisionTable.auto(routing, c.requester(), c.reason(), c.autoSchedules(),
                    autoAsked.stream().map(id -> OnCallCalculator.onCallAt(id, c.rotas().getOrDefault(id, List.of()), NOW)).toList(),
                    NOW, DecisionTableProperties.GRANT);
            if (!auto.equals(fromEntries)) {
                problems.append("\n  auto: the list's decision ").append(auto).append("\n  differs from the entries' ")
                        .append(fromEntries);
            }
        }

        String policy = c.label();
        List<String> approverAsked = DecisionTable.approverSchedulesToAsk(routing, c.requester(), c.reason(), c.approver());
        ApproverDecision approver = DecisionTable.approver(routing, policy, c.requester(), c.reason(), c.approver(),
                setsFromList(c, fetchedAt, approverAsked, how), NOW);
        DecisionTableModel.Approver approverModel = DecisionTableModel.approver(c.matchedCurrent(), policy, c.requester(),
                c.reason(), c.approver(), truth);
        seen.merge(how[0], 1, Integer::sum);
        check(problems, "approver", how[0], approver.allowed(), approver.code(), approverModel.allowed(), approverModel.code());
        if (!how[0].equals("answered, a start since the fetch")) {
            ApproverDecision fromEntries = DecisionTable.approver(routing, policy, c.requester(), c.reason(), c.approver(),
                    approverAsked.stream().map(id -> OnCallCalculator.onCallAt(id, c.rotas().getOrDefault(id, List.of()), NOW))
                            .toList(), NOW);
            if (!approver.equals(fromEntries)) {
                problems.append("\n  approver: the list's decision ").append(approver).append("\n  differs from the entries' ")
                        .append(fromEntries);
            }
        }
        return problems.isEmpty() ? null : problems.toString();
    }

    private static void check(StringBuilder problems, String what, String how, boolean yes, CheckCode code, boolean modelYes,
            CheckCode modelCode) {
        if (how.equals("answered, a start since the fetch")) {
            if (yes && !modelYes) {
                problems.append("\n  ").append(what).append(": the list allows (").append(code)
                        .append(") what the model refuses (").append(modelCode).append(")");
            }
        } else if (yes != modelYes || code != modelCode) {
            problems.append("\n  ").append(what).append(" (").append(how).append("): ").append(yes).append(' ').append(code)
                    .append(", the model ").append(modelYes).append(' ').append(modelCode);
        }
    }
}
