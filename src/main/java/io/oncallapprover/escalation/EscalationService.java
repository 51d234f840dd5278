package io.oncallapprover.escalation;

import io.quarkus.hibernate.reactive.panache.common.WithTransaction;
import java.time.Clock;
import java.time.Instant;
import java.util.List;

import jakarta.enterprise.context.ApplicationScoped;
import jakarta.inject.Inject;

import org.jboss.logging.Logger;

import io.oncallapprover.approval.CheckCode;
import io.oncallapprover.approval.DecisionTable;
import io.oncallapprover.approval.DecisionTable.EscalationPlan;
import io.oncallapprover.audit.AuditAction;
import io.oncallapprover.audit.AuditLog;
import io.oncallapprover.idempotency.KeyedWrite;
import io.oncallapprover.installation.IntegrationService;
import io.oncallapprover.policy.PolicyEvaluator;
import io.oncallapprover.policy.PolicyEvaluator.Routing;
import io.oncallapprover.policy.PolicyService;
import io.oncallapprover.problem.ApiException;
import io.oncallapprover.problem.FieldError;
import io.oncallapprover.problem.ProblemCode;
import io.oncallapprover.request.AccessRequest;
import io.oncallapprover.request.AccessRequest.IncidentState;
import io.oncallapprover.request.AccessRequest.Status;
import io.oncallapprover.request.AccessRequestService;
import io.oncallapprover.request.DecisionFollowUp;
import io.oncallapprover.request.MatchedRules;
import io.oncallapprover.request.PageEscalation;
import io.oncallapprover.request.AccessRequest.PageKind;
import io.oncallapprover.policy.AccessPolicy.PageMode;
import io.oncallapprover.security.Caller;
import io.smallrye.mutiny.Uni;

import static io.oncallapprover.request.AccessRequestService.resourceOf;

/**
 * Paging the on-call team of a request: the escalation (one CREATE_INCIDENT outbox task written with
 * the request's new state) and, after a decision, the summary edit (UPDATE_INCIDENT). The outbox
 * worker sends both.
 */
@ApplicationScoped
public class EscalationService implements DecisionFollowUp {

    private static final Logger LOG = Logger.getLogger(EscalationService.class);

    @Inject
    io.oncallapprover.request.RequestEvents events;

    @Inject
    AccessRequestService requests;

    @Inject
    IntegrationService integrations;

    @Inject
    PolicyService policies;

    @Inject
    AuditLog audit;

    @Inject
    Clock clock;

    /**
     * Pages the on-call team: one CREATE_INCIDENT outbox task, written with the state change. The
     * page names exactly the schedules of the escalation steps eligible under both the request's
     * frozen rules and the policy in force now. Calling it again (or concurrently) changes nothing
     * and answers the same, except after the page FAILED: then the same task (same idempotency key)
     * is armed again. Under an Idempotency-Key, its answer is kept in the transaction of the escalation.
     */
    public Uni<AccessRequest> escalate(String orgId, String id, Caller caller, KeyedWrite<AccessRequest> keyed) {
        return escalateNow(orgId, id, caller, keyed).onFailure(AccessRequestService::concurrentWrite).recoverWithUni(() ->
        // Lost a race with a concurrent escalation of the same request: that one did the work.
        requests.require(orgId, id).invoke(request -> {
            if (request.pageKind == null && request.incidentState != IncidentState.PENDING
                    && request.incidentState != IncidentState.CREATED) { // (escalated before page kinds were recorded)
                throw new ApiException(409, ProblemCode.CONFLICT, "The request changed concurrently; retry.");
            }
        }));
    }

    @WithTransaction
    Uni<AccessRequest> escalateNow(String orgId, String id, Caller caller, KeyedWrite<AccessRequest> keyed) {
        return requests.require(orgId, id).flatMap(request -> (request.pageKind == PageKind.ESCALATION
                ? PageEscalation.of(request.id) : Uni.createFrom().item(List.<PageEscalation> of())).flatMap(escalations -> {
            if (request.incidentState == IncidentState.PENDING || request.incidentState == IncidentState.CREATED
                    || request.pageKind == PageKind.ESCALATION
                            && escalations.stream().noneMatch(e -> e.state == PageEscalation.State.FAILED)) {
                return Uni.createFrom().item(request); // already escalated: idempotent
            }
            Instant now = clock.instant();
            Status status = request.statusAt(now);
            if (status != Status.PENDING) {
                throw new ApiException(409, ProblemCode.NOT_PENDING,
                        "The request is " + status + "; only a pending request can be escalated.");
            }
            return policies.load(orgId).flatMap(policy -> {
                Routing current = PolicyEvaluator.route(policy, request.requester, resourceOf(request));
                EscalationPlan plan = DecisionTable.escalation(MatchedRules.restore(request.matchedRules), current,
                        request.reason);
                if (!plan.allowed()) {
                    throw ApiException.unprocessable(plan.refusal().problemCode(), plan.explanation(),
                            plan.refusal() == CheckCode.REASON_REQUIRED
                                    ? List.of(new FieldError("reason", "is required to escalate this request"))
                                    : List.of());
                }
                return integrations.find(orgId).flatMap(integration -> {
                    if (integration.isEmpty()) {
                        throw ApiException.notInstalled(orgId);
                    }
                    if (request.pageKind == PageKind.ESCALATION) { // some escalation failed: send those again
                        return resendEscalations(request, escalations, caller, now);
                    }
                    EscalationPages.Page page = request.pageKind == PageKind.INCIDENT
                            ? new EscalationPages.Page(PageMode.INCIDENT, List.of()) : EscalationPages.of(plan);
                    if (page.mode() == PageMode.ESCALATION) {
                        return escalateWithoutIncident(request, plan, page, caller, now);
                    }
                    boolean resend = request.incidentState == IncidentState.FAILED;
                    request.pageKind = PageKind.INCIDENT;
                    request.incidentState = IncidentState.PENDING;
                    request.incidentError = null;
                    request.escalatedAt = now;
                    request.escalatedBy = caller.subject();
                    request.pagedSchedules = plan.schedules().toArray(String[]::new);
                    request.pagedRules = plan.ruleNames().toArray(String[]::new);
                    request.updatedAt = now;
                    LOG.infof("escalating access request %s of org %s%s", request.id, orgId, resend ? " again" : "");
                    Uni<?> task = resend ? rearm(request.id, now)
                            : OutboxTask.pending(orgId, request.id, OutboxTask.Kind.CREATE_INCIDENT, now).persist();
                    return task.call(() -> audit.record(orgId, request.id, AuditAction.REQUEST_ESCALATED, caller.subject(),
                            (resend ? "paging again after the page failed: " : "paging ") + "the on-call team of "
                                    + plan.schedules() + " (rules " + plan.ruleNames() + ")"))
                            .call(() -> events.record(request, io.oncallapprover.request.RequestEventType.ESCALATED))
                .replaceWith(request);
                });
            });
        })).call(keyed::settle);
    }

    /** Pages through incident.io escalations: one row and one CREATE_ESCALATION task per target. */
    private Uni<AccessRequest> escalateWithoutIncident(AccessRequest request, EscalationPlan plan, EscalationPages.Page page,
            Caller caller, Instant now) {
        request.pageKind = PageKind.ESCALATION;
        request.escalatedAt = now;
        request.escalatedBy = caller.subject();
        request.pagedSchedules = plan.schedules().toArray(String[]::new);
        request.pagedRules = plan.ruleNames().toArray(String[]::new);
        request.updatedAt = now;
        LOG.infof("escalating access request %s of org %s without an incident (%d escalation(s))", request.id,
                request.orgId, page.targets().size());
        Uni<Void> chain = Uni.createFrom().voidItem();
        for (int i = 0; i < page.targets().size(); i++) {
            EscalationPages.Target target = page.targets().get(i);
            PageEscalation row = new PageEscalation();
            row.orgId = request.orgId;
            row.requestId = request.id;
            row.ordinal = i;
            row.escalationPathId = target.escalationPathId();
            row.sources = new PageEscalation.Sources(target.sources());
            row.state = PageEscalation.State.PENDING;
            row.createdAt = now;
            row.updatedAt = now;
            chain = chain.chain(() -> row.<PageEscalation> persist()).chain(saved -> OutboxTask.pending(request.orgId,
                    request.id, OutboxTask.Kind.CREATE_ESCALATION, saved.id, now).persist()).replaceWithVoid();
        }
        return chain.call(() -> audit.record(request.orgId, request.id, AuditAction.REQUEST_ESCALATED, caller.subject(),
                "paging without an incident, through " + describe(page.targets()) + ", for " + plan.schedules()
                        + " (rules " + plan.ruleNames() + ")"))
                .call(() -> events.record(request, io.oncallapprover.request.RequestEventType.ESCALATED))
                .replaceWith(request);
    }

    /** Arms the failed escalations of a request again, with their first keys (incident.io answers with any it made). */
    private Uni<AccessRequest> resendEscalations(AccessRequest request, List<PageEscalation> escalations, Caller caller,
            Instant now) {
        List<PageEscalation> failed = escalations.stream().filter(e -> e.state == PageEscalation.State.FAILED).toList();
        request.updatedAt = now;
        Uni<Void> chain = Uni.createFrom().voidItem();
        for (PageEscalation row : failed) {
            row.state = PageEscalation.State.PENDING;
            row.error = null;
            row.updatedAt = now;
            chain = chain.chain(() -> OutboxTask.<OutboxTask> find("pageEscalationId = ?1 and kind = ?2", row.id,
                    OutboxTask.Kind.CREATE_ESCALATION).firstResult().invoke(task -> rearm(task, now))).replaceWithVoid();
        }
        return chain.call(() -> audit.record(request.orgId, request.id, AuditAction.REQUEST_ESCALATED, caller.subject(),
                "paging again after " + failed.size() + " escalation(s) failed: "
                        + describe(failed.stream().map(e -> new EscalationPages.Target(e.escalationPathId, e.sources.schedules())).toList())))
                .call(() -> events.record(request, io.oncallapprover.request.RequestEventType.ESCALATED))
                .replaceWith(request);
    }

    private static String describe(List<EscalationPages.Target> targets) {
        return String.join(" and ", targets.stream().map(t -> t.escalationPathId() != null
                ? "escalation path " + t.escalationPathId()
                : "the people on call for " + EscalationPages.schedulesOf(t.sources())).toList());
    }

    /** The failed CREATE_INCIDENT task of a request, armed again from its first attempt. */
    private static Uni<OutboxTask> rearm(String requestId, Instant now) {
        return OutboxTask.<OutboxTask> find("requestId = ?1 and kind = ?2", requestId, OutboxTask.Kind.CREATE_INCIDENT)
                .firstResult().map(task -> rearm(task, now));
    }

    private static OutboxTask rearm(OutboxTask task, Instant now) {
        task.status = OutboxTask.Status.PENDING;
        task.attempts = 0;
        task.nextAttemptAt = now;
        task.lockedUntil = null;
        task.leaseToken = null;
        task.lastError = null;
        task.updatedAt = now;
        return task;
    }

    /**
     * After a decision on an escalated request: edit the incident's summary (once the incident exists),
     * or cancel its escalations. Runs in the decision's transaction.
     */
    @Override
    public Uni<Void> decided(AccessRequest request, Instant at) {
        if (request.pageKind == PageKind.ESCALATION) {
            return cancelEscalations(request, at);
        }
        // Only an incident made or being made can show it: after a FAILED creation there is nothing to edit,
        // and the task would wait for an incident forever.
        boolean incident = request.incidentState == IncidentState.PENDING || request.incidentState == IncidentState.CREATED;
        return !incident ? Uni.createFrom().voidItem()
                : OutboxTask.pending(request.orgId, request.id, OutboxTask.Kind.UPDATE_INCIDENT, at).persist().replaceWithVoid();
    }

    /** A request over without a person's decision (lapsed, closed, approved on re-evaluation): stop paging. */
    @Override
    public Uni<Void> ended(AccessRequest request, Instant at) {
        return request.pageKind == PageKind.ESCALATION ? cancelEscalations(request, at) : Uni.createFrom().voidItem();
    }

    /**
     * One CANCEL_ESCALATION task per escalation of the request; the worker sends it once the create is
     * settled, and skips escalations that were never sent. A second call adds nothing.
     */
    private Uni<Void> cancelEscalations(AccessRequest request, Instant at) {
        return PageEscalation.of(request.id).flatMap(rows -> OutboxTask.<OutboxTask> list("requestId = ?1 and kind = ?2",
                request.id, OutboxTask.Kind.CANCEL_ESCALATION).flatMap(existing -> {
                    java.util.Set<Long> cancelling = existing.stream().map(task -> task.pageEscalationId)
                            .collect(java.util.stream.Collectors.toSet());
                    Uni<Void> chain = Uni.createFrom().voidItem();
                    for (PageEscalation row : rows) {
                        if (!cancelling.contains(row.id)) {
                            chain = chain.chain(() -> OutboxTask.pending(request.orgId, request.id,
                                    OutboxTask.Kind.CANCEL_ESCALATION, row.id, at).persist().replaceWithVoid());
                        }
                    }
                    return chain;
                }));
    }
}
