package io.oncallapprover.request;

import io.quarkus.hibernate.reactive.panache.common.WithSession;
import java.util.List;

import jakarta.enterprise.context.ApplicationScoped;
import jakarta.inject.Inject;


import io.oncallapprover.approval.CheckCode;
import io.oncallapprover.approval.DecisionTable;
import io.oncallapprover.approval.DecisionTable.EscalationPlan;
import io.oncallapprover.approval.RuleRef;
import io.oncallapprover.audit.AuditEvent;
import io.oncallapprover.policy.PolicyEvaluator.Routing;
import io.oncallapprover.request.AccessRequestDtos.AccessRequestView;
import io.oncallapprover.request.AccessRequestDtos.AuditEntry;
import io.oncallapprover.request.AccessRequestDtos.DecisionView;
import io.oncallapprover.request.AccessRequestDtos.EscalationView;
import io.oncallapprover.request.AccessRequestDtos.IncidentView;
import io.oncallapprover.request.AccessRequestDtos.ResourceRef;
import io.quarkus.panache.common.Sort;
import io.smallrye.mutiny.Uni;

/** Maps an access request, its decision and its audit trail to the API view. */
@ApplicationScoped
public class AccessRequestViews {


    @Inject
    java.time.Clock clock;

    /** The view of a request, read in the current session or a new one. */
    @WithSession
    @io.oncallapprover.common.DatabaseDeadline
    public Uni<AccessRequestView> of(AccessRequest r) {
        return AccessDecision.<AccessDecision> findById(r.id)
                .flatMap(decision -> AuditEvent.<AuditEvent> find("requestId", Sort.ascending("occurredAt", "id"), r.id).list()
                        .flatMap(events -> (r.pageKind == AccessRequest.PageKind.ESCALATION ? PageEscalation.of(r.id)
                                : Uni.createFrom().item(List.<PageEscalation> of()))
                                .map(escalations -> build(r, decision, events, escalations))));
    }

    private AccessRequestView build(AccessRequest r, AccessDecision decision, List<AuditEvent> events,
            List<PageEscalation> escalations) {
        Routing routing = MatchedRules.restore(r.matchedRules);
        // What the frozen rules allow; the policy in force now is applied when escalating or deciding.
        EscalationPlan plan = DecisionTable.escalation(routing, r.reason, RuleRef.FROZEN);
        List<String> approverSchedules = r.pagedSchedules != null ? List.of(r.pagedSchedules) : plan.schedules();
        EscalationView escalation = new EscalationView(plan.allowed(), plan.refusal() == CheckCode.REASON_REQUIRED,
                approverSchedules, plan.allowsOneParty(), r.escalatedAt, r.escalatedBy,
                r.pageKind == null ? null : r.pageKind.name().toLowerCase(java.util.Locale.ROOT));
        IncidentView incident = IncidentView.of(r);
        List<DecisionView> decisions = decision == null ? List.of()
                : List.of(new DecisionView(decision.approver, decision.decision, decision.comment, decision.decidedAt,
                        decision.decidedBy, decision.evidence.shifts(), decision.evidence.unknownSchedules()));
        List<AuditEntry> trail = events.stream().map(e -> new AuditEntry(e.action, e.subject, e.detail, e.occurredAt)).toList();
        return new AccessRequestView(r.id, r.statusAt(clock.instant()).name(), r.requester, new ResourceRef(r.resourceType, r.resourceService,
                r.resourceName), r.reason, r.conversationUrl, r.requestedBy, r.createdAt, r.updatedAt, r.grantExpiresAt,
                routing.ruleNames(), r.evaluation, escalation, incident,
                escalations.stream().map(AccessRequestDtos.PagedEscalationView::of).toList(), decisions, trail, r.endedReason);
    }

    /** A request as a listing shows it, its status as of {@code now}. */
    public AccessRequestDtos.AccessRequestSummary summary(AccessRequest r, java.time.Instant now) {
        return new AccessRequestDtos.AccessRequestSummary(r.id, r.statusAt(now).name(), r.requester,
                new ResourceRef(r.resourceType, r.resourceService, r.resourceName), r.reason, r.requestedBy, r.createdAt,
                r.updatedAt, r.grantExpiresAt, MatchedRules.restore(r.matchedRules).ruleNames(),
                r.evaluation != null && r.evaluation.approved(),
                IncidentView.of(r), r.endedReason);
    }
}
