package io.oncallapprover.request;

import io.quarkus.hibernate.reactive.panache.common.WithTransaction;
import io.quarkus.hibernate.reactive.panache.common.WithSession;
import java.time.Clock;
import java.time.Instant;
import java.util.List;
import java.util.Optional;
import java.util.UUID;

import jakarta.enterprise.context.ApplicationScoped;
import jakarta.inject.Inject;

import org.jboss.logging.Logger;


import io.oncallapprover.approval.ApproverCheckService;
import io.oncallapprover.approval.ApproverCheckService.PendingRequest;
import io.oncallapprover.approval.ApproverDecision;
import io.oncallapprover.approval.AutoApprovalDecision;
import io.oncallapprover.approval.AutoApprovalService;
import io.oncallapprover.approval.CheckCode;
import io.oncallapprover.audit.AuditAction;
import io.oncallapprover.audit.AuditLog;
import io.oncallapprover.common.ApiKey;
import io.oncallapprover.idempotency.KeyedWrite;
import io.oncallapprover.organization.OrgSnapshot;
import io.oncallapprover.organization.OrgSnapshots;
import io.oncallapprover.common.Emails;
import io.oncallapprover.policy.PolicyEvaluator;
import io.oncallapprover.policy.PolicyEvaluator.Routing;
import io.oncallapprover.policy.RequestedResource;
import io.oncallapprover.problem.ApiException;
import io.oncallapprover.problem.FieldError;
import io.oncallapprover.problem.ProblemCode;
import io.oncallapprover.request.AccessRequest.Status;
import io.oncallapprover.request.AccessRequestDtos.CreateAccessRequest;
import io.oncallapprover.request.AccessRequestDtos.DecisionRequest;
import io.oncallapprover.security.Caller;
import io.smallrye.mutiny.Uni;

/**
 * The access-request lifecycle (PRODUCT §3.4–§3.6): creation with immediate auto-approval, escalation
 * through the outbox, and the one decision. incident.io is asked before any transaction opens; each
 * state change and its audit record (and outbox task) are written in one transaction.
 */
@ApplicationScoped
public class AccessRequestService {

    private static final Logger LOG = Logger.getLogger(AccessRequestService.class);

    @Inject
    RequestEvents events;

    @Inject
    AutoApprovalService autoApproval;

    @Inject
    ApproverCheckService approverCheck;

    @Inject
    OrgSnapshots snapshots;

    @Inject
    RequestsConfig config;

    @Inject
    AuditLog audit;

    @Inject
    AccessRequestViews views;

    @Inject
    DecisionFollowUp followUp;

    @Inject
    io.oncallapprover.approval.OnCallCheck onCallCheck;

    @Inject
    Clock clock;

    /** What a decision about a request needs before asking incident.io: the request (read) and the organization (in memory). */
    private record Loaded(AccessRequest request, OrgSnapshot org) {

        Optional<ApiKey> key() {
            return org.installation().map(OrgSnapshot.Installed::key);
        }

        PendingRequest pending() {
            Routing current = PolicyEvaluator.route(org.policy(), request.requester, resourceOf(request));
            return new PendingRequest(request.requester, request.reason, MatchedRules.restore(request.matchedRules), current);
        }
    }

    public static RequestedResource resourceOf(AccessRequest r) {
        return new RequestedResource(r.resourceType, r.resourceService, r.resourceName);
    }

    /** Creates a request; under an Idempotency-Key, its answer is kept in the transaction that creates it. */
    public Uni<AccessRequest> create(String orgId, CreateAccessRequest body, Caller caller, KeyedWrite<AccessRequest> keyed) {
        String requester = Emails.normalize(body.requester());
        RequestedResource resource = new RequestedResource(body.resource().type(), body.resource().service(),
                body.resource().name());
        return snapshots.of(orgId).flatMap(org -> {
            Routing routing = PolicyEvaluator.route(org.policy(), requester, resource);
            if (routing.matchedRules().isEmpty()) {
                throw ApiException.unprocessable(ProblemCode.NO_MATCHING_RULE,
                        "No enabled access-policy rule covers " + requester + " requesting " + resource.service() + "/"
                                + resource.name() + ".",
                        List.of(new FieldError("resource", "is not covered by any enabled rule for this requester")));
            }
            return autoApproval.evaluate(org, requester, body.reason(), routing)
                    .flatMap(evaluation -> persistNew(orgId, requester, body, routing, evaluation, caller, keyed));
        });
    }

    @WithTransaction
    Uni<AccessRequest> persistNew(String orgId, String requester, CreateAccessRequest body, Routing routing,
            AutoApprovalService.Evaluation evaluation, Caller caller, KeyedWrite<AccessRequest> keyed) {
        RequestedResource resource = new RequestedResource(body.resource().type(), body.resource().service(),
                body.resource().name());
        AccessRequest request = newRequest(orgId, requester, body, routing, evaluation.decision(), caller);
        return request.<AccessRequest> persist()
                .call(() -> audit.record(orgId, request.id, AuditAction.REQUEST_CREATED, caller.subject(),
                        requester + " requests " + resource.type() + " on " + resource.service() + "/"
                                + resource.name() + "; matched " + routing.ruleNames()))
                .call(() -> evaluation.decision().approved()
                        ? audit.record(orgId, request.id, AuditAction.REQUEST_AUTO_APPROVED, "system",
                                evaluation.decision().explanation())
                        : Uni.createFrom().voidItem())
                .call(() -> events.record(request, RequestEventType.CREATED))
                .call(() -> evaluation.decision().approved()
                        ? events.record(request, RequestEventType.APPROVED, java.util.Map.of("approvedBy", "auto"))
                        : Uni.createFrom().voidItem())
                .call(keyed::settle);
    }

    private AccessRequest newRequest(String orgId, String requester, CreateAccessRequest body, Routing routing,
            AutoApprovalDecision decision, Caller caller) {
        Instant now = clock.instant();
        AccessRequest request = new AccessRequest();
        request.id = UUID.randomUUID().toString();
        request.orgId = orgId;
        request.requester = requester;
        request.resourceType = body.resource().type();
        request.resourceService = body.resource().service();
        request.resourceName = body.resource().name();
        request.reason = body.reason();
        request.conversationUrl = body.conversationUrl();
        request.matchedRules = MatchedRules.snapshot(routing);
        request.evaluation = decision;
        request.requestedBy = caller.subject();
        request.createdAt = now;
        request.updatedAt = now;
        request.status = decision.approved() ? Status.APPROVED : Status.PENDING;
        request.grantExpiresAt = decision.approved() ? decision.expiresAt() : null;
        request.pendingExpiresAt = decision.approved() ? null : now.plus(config.pendingTtl());
        // incident.io could not be asked: the request is evaluated again in the background (ReevaluationJob).
        request.reevaluateAt = decision.code() == CheckCode.UPSTREAM_UNAVAILABLE ? now.plus(config.reevaluateFirst()) : null;
        return request;
    }

    /** The view of a request of this organization (404 for any other). */
    @WithSession
    @io.oncallapprover.common.DatabaseDeadline
    public Uni<AccessRequestDtos.AccessRequestView> view(String orgId, String id) {
        return require(orgId, id).flatMap(views::of);
    }

    /** One page of the organization's requests, newest first (the limit plus one row tells whether more follow). */
    @WithSession
    @io.oncallapprover.common.DatabaseDeadline
    public Uni<AccessRequestDtos.AccessRequestPage> list(String orgId, AccessRequestFilter filter) {
        Instant now = clock.instant();
        AccessRequestFilter.Query query = filter.query(orgId, now);
        return AccessRequest.<AccessRequest> find(query.where(), io.quarkus.panache.common.Sort.descending("createdAt", "id"),
                query.parameters()).range(0, filter.limit()).list()
                .map(rows -> {
                    boolean more = rows.size() > filter.limit();
                    List<AccessRequest> page = more ? rows.subList(0, filter.limit()) : rows;
                    String next = more ? new AccessRequestFilter.Cursor(page.get(page.size() - 1).createdAt,
                            page.get(page.size() - 1).id).encode() : null;
                    return new AccessRequestDtos.AccessRequestPage(page.stream().map(r -> views.summary(r, now)).toList(), next);
                });
    }

    /** The request of this organization, or a 404 that says nothing about other organizations. */
    @WithSession
    public Uni<AccessRequest> require(String orgId, String id) {
        return AccessRequest.<AccessRequest> find("id = ?1 and orgId = ?2", id, orgId).firstResult()
                .map(found -> {
                    if (found == null) {
                        throw new ApiException(404, ProblemCode.NOT_FOUND, "No access request " + id + ".");
                    }
                    return found;
                });
    }


    /**
     * Records the decision of an approver who is on call now (PRODUCT §3.6). The database decides the
     * race: only the update that still finds the request PENDING wins; the other gets 409.
     */
    public Uni<AccessRequest> decide(String orgId, String id, DecisionRequest body, Caller caller,
            KeyedWrite<AccessRequest> keyed) {
        String approver = Emails.normalize(body.approver());
        return load(orgId, id).flatMap(loaded -> {
            AccessRequest request = loaded.request();
            Status status = request.statusAt(clock.instant());
            if (status != Status.PENDING) {
                throw alreadyDecided(request, status);
            }
            if (loaded.key().isEmpty()) {
                throw ApiException.notInstalled(orgId);
            }
            return approverCheck.forRequest(orgId, loaded.key().get(), approver, loaded.pending())
                    .flatMap(check -> check.allowed() ? record(orgId, request.id, body, approver, check, caller, keyed)
                            : refuse(orgId, request.id, approver, check, caller, keyed));
        });
    }

    /** "May {@code approver} decide this request now?", answered as a decision would be, changing nothing. */
    public Uni<ApproverDecision> checkApprover(String orgId, String id, String approver) {
        return load(orgId, id).flatMap(loaded -> {
            Status status = loaded.request().statusAt(clock.instant());
            if (status != Status.PENDING) {
                return Uni.createFrom().item(counted(orgId, approver, ApproverDecision.refused(CheckCode.NOT_PENDING,
                        "The request is " + status + "; nobody may decide it any more.", clock.instant())));
            }
            if (loaded.key().isEmpty()) {
                return Uni.createFrom().item(counted(orgId, approver, ApproverDecision.refused(CheckCode.NOT_INSTALLED,
                        "incident.io is not installed for this organization, so nobody may approve.", clock.instant())));
            }
            return approverCheck.forRequest(orgId, loaded.key().get(), approver, loaded.pending());
        });
    }

    /** An answer given without asking incident.io, counted and logged like every other. */
    private ApproverDecision counted(String orgId, String approver, ApproverDecision decision) {
        onCallCheck.record("approver", orgId, approver, decision.allowed(), decision.code(), decision.rule());
        return decision;
    }

    /**
     * The request, read in a session closed before incident.io is asked, and the organization's
     * snapshot (installation and policy in force) from memory.
     */
    Uni<Loaded> load(String orgId, String id) {
        return readRequest(orgId, id).flatMap(request -> snapshots.of(orgId).map(org -> new Loaded(request, org)));
    }

    @WithSession
    @io.oncallapprover.common.DatabaseDeadline
    Uni<AccessRequest> readRequest(String orgId, String id) {
        return require(orgId, id);
    }

    private Uni<AccessRequest> record(String orgId, String id, DecisionRequest body, String approver, ApproverDecision check,
            Caller caller, KeyedWrite<AccessRequest> keyed) {
        Instant now = clock.instant();
        boolean approve = body.decision() == AccessDecision.Kind.APPROVE;
        Status status = approve ? Status.APPROVED : Status.DENIED;
        Instant grantExpiresAt = approve ? now.plus(AutoApprovalService.GRANT) : null;
        return writeDecision(orgId, id, body, approver, check, caller, now, approve, status, grantExpiresAt, keyed)
                .onFailure(AccessRequestService::concurrentWrite)
                .recoverWithUni(() -> require(orgId, id).map(current -> {
                    throw alreadyDecided(current, current.statusAt(clock.instant()));
                }));
    }

    @WithTransaction
    Uni<AccessRequest> writeDecision(String orgId, String id, DecisionRequest body, String approver, ApproverDecision check,
            Caller caller, Instant now, boolean approve, Status status, Instant grantExpiresAt, KeyedWrite<AccessRequest> keyed) {
        return AccessRequest.update(
                "status = ?1, grantExpiresAt = ?2, updatedAt = ?3, version = version + 1 where id = ?4 and status = ?5"
                        + " and (pendingExpiresAt is null or pendingExpiresAt > ?3)",
                status, grantExpiresAt, now, id, Status.PENDING)
                .flatMap(updated -> {
                    if (updated == 0) {
                        return require(orgId, id).map(current -> {
                            throw alreadyDecided(current, current.statusAt(now));
                        });
                    }
                    AccessDecision decision = new AccessDecision();
                    decision.requestId = id;
                    decision.approver = approver;
                    decision.decision = body.decision().name();
                    decision.comment = body.comment();
                    decision.decidedAt = now;
                    decision.decidedBy = caller.subject();
                    decision.evidence = new AccessDecision.DecisionEvidence(check.evidence(), check.unknownSchedules());
                    return decision.persist()
                            .call(() -> audit.record(orgId, id, approve ? AuditAction.REQUEST_APPROVED : AuditAction.REQUEST_DENIED,
                                    caller.subject(), approver + (approve ? " approved" : " denied")
                                            + (body.comment() == null ? "" : ": " + body.comment())))
                            .chain(() -> require(orgId, id))
                            .call(request -> followUp.decided(request, now))
                            .call(request -> approve
                                    ? events.record(request, RequestEventType.APPROVED, java.util.Map.of("approvedBy", "person"))
                                    : events.record(request, RequestEventType.DENIED))
                            .call(keyed::settle);
                });
    }

    /** A 409 that says the request's status now ({@code requestStatus}). */
    static ApiException conflict(ProblemCode code, String detail, Status status) {
        return new ApiException(409, code, detail, List.of(), null, java.util.Map.of("requestStatus", status.name()));
    }

    /** A refused decision: audited, and under a key the refusal is kept in that same transaction. */
    private Uni<AccessRequest> refuse(String orgId, String id, String approver, ApproverDecision check, Caller caller,
            KeyedWrite<AccessRequest> keyed) {
        java.util.Map<String, Object> extensions = new java.util.HashMap<>(java.util.Map.of("allowed", false,
                "explanation", check.explanation(), "evidence", check.evidence(), "checkedAt", check.checkedAt().toString()));
        if (check.rule() != null) {
            extensions.put("rule", check.rule());
        }
        if (!check.unknownSchedules().isEmpty()) {
            extensions.put("unknownSchedules", check.unknownSchedules());
        }
        ApiException refusal = new ApiException(403, check.code().problemCode(), check.explanation(),
                List.of(new FieldError("approver", check.explanation())), null, extensions);
        return auditRefusal(orgId, id, approver, check, caller, keyed, refusal).map(ignored -> {
            throw refusal;
        });
    }

    @WithTransaction
    Uni<Void> auditRefusal(String orgId, String id, String approver, ApproverDecision check, Caller caller,
            KeyedWrite<AccessRequest> keyed, ApiException refusal) {
        return audit.record(orgId, id, AuditAction.DECISION_REFUSED, caller.subject(),
                approver + ": " + check.code() + " (" + check.explanation() + ")").chain(() -> keyed.refuse(refusal));
    }

    private static ApiException alreadyDecided(AccessRequest request, Status status) {
        if (request.status == Status.PENDING) { // lapsed while pending: nobody decided it
            return conflict(ProblemCode.NOT_PENDING,
                    "The request lapsed at " + request.pendingExpiresAt + " without a decision; make a new one.", status);
        }
        return conflict(ProblemCode.ALREADY_DECIDED, "The request is already " + status + "; the first decision stands.", status);
    }

    public static boolean concurrentWrite(Throwable failure) {
        if (io.oncallapprover.problem.Preconditions.lostRace(failure)) {
            return true;
        }
        for (Throwable t = failure; t != null; t = t.getCause()) {
            if (t instanceof io.vertx.pgclient.PgException pg && "23505".equals(pg.getSqlState())) {
                return true; // unique violation: the same outbox task or decision was written by the winner
            }
            if (t instanceof org.hibernate.exception.ConstraintViolationException violation
                    && "23505".equals(violation.getSQLState())) {
                return true; // the same, as Hibernate reports it when the insert is flushed first (an escalation row)
            }
        }
        return false;
    }
}
