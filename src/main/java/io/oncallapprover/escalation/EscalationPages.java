package io.oncallapprover.escalation;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeSet;

import io.oncallapprover.approval.DecisionTable.EscalationPlan;
import io.oncallapprover.approval.DecisionTable.Step;
import io.oncallapprover.oncall.OnCallSet;
import io.oncallapprover.oncall.OnCallShift;
import io.oncallapprover.policy.AccessPolicy.EscalationApproval;
import io.oncallapprover.policy.AccessPolicy.PageMode;
import io.oncallapprover.policy.PagedSchedule;

/**
 * How an escalation plan pages, without I/O: an incident, or incident.io escalations, one per
 * target. Everything about "whom does the page reach" that can be got wrong lives here.
 */
public final class EscalationPages {

    private EscalationPages() {
    }

    /** One escalation to send: to an escalation path, or (path null) to the people on call for {@code sources}. */
    public record Target(String escalationPathId, List<PagedSchedule> sources) {

        public Target {
            sources = List.copyOf(sources);
        }
    }

    /** How a plan pages: {@code mode}, and for {@link PageMode#ESCALATION} the escalations, in order. */
    public record Page(PageMode mode, List<Target> targets) {

        public Page {
            targets = List.copyOf(targets);
        }
    }

    /**
     * The page of an allowed plan. Only when every paged step chose {@code page: escalation} is the
     * page made of escalations; a single step paging by incident makes it an incident (which names
     * all the paged schedules), so no step's team is left out. The escalations: one per escalation
     * path named by the steps (each once, in step order), then one to the people on call for the
     * paged schedules of the steps without a path, each schedule with its step's rotation filter
     * (a schedule in several steps is a source once per distinct filter).
     */
    public static Page of(EscalationPlan plan) {
        if (!plan.allowed()) { // (an allowed plan has at least one step)
            throw new IllegalArgumentException("only an allowed escalation plan pages");
        }
        List<EscalationApproval> steps = plan.steps().stream().map(Step::approval).map(EscalationApproval.class::cast).toList();
        if (steps.stream().anyMatch(step -> step.page() != PageMode.ESCALATION)) {
            return new Page(PageMode.INCIDENT, List.of());
        }
        Map<String, Target> byPath = new LinkedHashMap<>();
        List<PagedSchedule> people = new ArrayList<>();
        for (EscalationApproval step : steps) {
            if (step.escalationPathId() != null) {
                byPath.putIfAbsent(step.escalationPathId(), new Target(step.escalationPathId(), List.of()));
                continue;
            }
            for (String schedule : step.services()) {
                PagedSchedule source = PagedSchedule.of(schedule, step.filter());
                if (plan.schedules().contains(schedule) && !people.contains(source)) {
                    people.add(source);
                }
            }
        }
        List<Target> targets = new ArrayList<>(byPath.values());
        if (!people.isEmpty()) {
            targets.add(new Target(null, people));
        }
        return new Page(PageMode.ESCALATION, targets);
    }

    /**
     * The incident.io user ids of the people on call now for {@code sources}: every shift of a source's
     * schedule that its rotation filter admits, whose user id incident.io sent. Sorted, each once.
     */
    public static List<String> usersToPage(List<PagedSchedule> sources, List<OnCallSet> onCall) {
        TreeSet<String> users = new TreeSet<>();
        for (PagedSchedule source : sources) {
            var filter = source.filter();
            for (OnCallSet set : onCall) {
                if (!set.scheduleId().equals(source.scheduleId())) {
                    continue;
                }
                for (OnCallShift shift : set.shifts()) {
                    if (shift.userId() != null && !shift.userId().isBlank() && filter.admits(shift.rotationId(), shift.layerId())) {
                        users.add(shift.userId());
                    }
                }
            }
        }
        return List.copyOf(users);
    }

    /** The schedules whose on-call sets {@link #usersToPage} needs, each once. */
    public static List<String> schedulesOf(List<PagedSchedule> sources) {
        return sources.stream().map(PagedSchedule::scheduleId).distinct().toList();
    }
}
