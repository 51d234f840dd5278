package io.oncallapprover.request;

import java.time.Clock;
import java.time.Instant;

import jakarta.annotation.PostConstruct;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.inject.Inject;

import org.jboss.logging.Logger;

import io.oncallapprover.approval.AutoApprovalDecision;
import io.oncallapprover.approval.AutoApprovalService;
import io.oncallapprover.approval.CheckCode;
import io.oncallapprover.audit.AuditAction;
import io.oncallapprover.audit.AuditLog;
import io.oncallapprover.organization.OrgSnapshots;
import io.oncallapprover.policy.PolicyEvaluator;
import io.oncallapprover.policy.PolicyEvaluator.Routing;
import io.oncallapprover.request.AccessRequest.Status;
import io.quarkus.hibernate.reactive.panache.Panache;
import io.quarkus.hibernate.reactive.panache.common.WithTransaction;
import io.oncallapprover.queue.LeaseLost;
import io.oncallapprover.queue.LeasedQueue;
import io.oncallapprover.queue.LeasedQueues;
import io.oncallapprover.queue.QueueHandler;
import io.quarkus.scheduler.Scheduled;
import io.smallrye.mutiny.Uni;

/**
 * A request created while incident.io could not be asked is not left at "not auto-approved" for
 * ever: it is evaluated again in the background, with back-off, until incident.io answers or the
 * request is no longer pending; if it qualifies then, it is auto-approved then (the grant starts
 * then). It must qualify under both the rules it matched when it was made and the policy in force
 * now, as an escalation must.
 * <p>
 * The due requests are a leased queue ({@link LeasedQueue}; the SQL is {@link ReevaluationRows}): claimed (rows
 * another replica locked skipped) with a fenced lease, so two replicas never evaluate the same request at once;
 * the attempt counted before incident.io is asked; still unavailable, backed off; leases given back at shutdown.
 * No incident edit follows an approval here: the outbox's summary edit describes a person's decision and, with
 * none recorded, would fail through all its attempts; an escalated request approved this way shows it on the
 * request and in its audit trail only; incident.io is asked with no transaction open; the outcome is written
 * only under the lease and if the request is still pending and unchanged.
 */
@ApplicationScoped
public class ReevaluationJob {

    private static final Logger LOG = Logger.getLogger(ReevaluationJob.class);

    @Inject
    RequestEvents events;

    @Inject
    AutoApprovalService autoApproval;

    @Inject
    OrgSnapshots snapshots;

    @Inject
    RequestsConfig config;

    @Inject
    AuditLog audit;

    @Inject
    DecisionFollowUp followUp;

    @Inject
    Clock clock;

    @Inject
    LeasedQueues queues;

    private LeasedQueue<Claimed> queue;

    /** A claimed request: what the evaluation needs, the version it was claimed at, and the lease's owner token. */
    record Claimed(String id, String orgId, long version, String owner) {
        @Override
        public String toString() {
            return id + " of org " + orgId;
        }
    }

    /** incident.io still could not be asked: a failed attempt, backed off. */
    static final class StillUnavailable extends RuntimeException {
        StillUnavailable(String message) {
            super(message, null, false, false);
        }
    }

    @PostConstruct
    void makeQueue() {
        queue = queues.of(handler());
    }

    /** The queue's handler, its call this job's evaluation (tests work it as a second replica). */
    QueueHandler<Claimed> handler() {
        return new ReevaluationRows(config, this::reevaluate);
    }

    @Scheduled(every = "${oncall.jobs.reevaluate-every:5s}", delayed = "10s", concurrentExecution = Scheduled.ConcurrentExecution.SKIP)
    Uni<Void> scheduled() {
        return reevaluateDue().replaceWithVoid();
    }

    /** Re-evaluates every due request; returns how many were claimed. */
    public Uni<Integer> reevaluateDue() {
        return queue.drainOnce();
    }

    /** The call: evaluates under both rules, then writes the decision, unless incident.io is still unavailable (a failure). */
    Uni<String> reevaluate(Claimed claimed) {
        return read(claimed.id()).flatMap(request -> snapshots.of(request.orgId).flatMap(org -> {
            Routing frozen = MatchedRules.restore(request.matchedRules);
            Routing current = PolicyEvaluator.route(org.policy(), request.requester, AccessRequestService.resourceOf(request));
            // Under both: the frozen rules first, then the policy in force (the second reads the same cached entries).
            return autoApproval.evaluate(org, request.requester, request.reason, frozen)
                    .flatMap(underFrozen -> !underFrozen.decision().approved() ? Uni.createFrom().item(underFrozen.decision())
                            : autoApproval.evaluate(org, request.requester, request.reason, current).map(e -> e.decision()));
        })).flatMap(decision -> decision.code() == CheckCode.UPSTREAM_UNAVAILABLE
                ? Uni.createFrom().failure(new StillUnavailable("incident.io still unavailable: " + decision.explanation()))
                : write(claimed, decision));
    }

    @io.quarkus.hibernate.reactive.panache.common.WithSession
    @io.oncallapprover.common.DatabaseDeadline
    Uni<AccessRequest> read(String id) {
        return AccessRequest.findById(id);
    }

    /**
     * Writes the decision, and frees the lease, if the lease is still this worker's (else fails with
     * {@link LeaseLost}); the decision only if the request is still pending and unchanged since it was claimed.
     * Answers what was done.
     */
    @WithTransaction
    Uni<String> write(Claimed claimed, AutoApprovalDecision decision) {
        Instant now = clock.instant();
        return Panache.getSession().flatMap(session -> session.createNativeQuery("update access_request"
                + " set reevaluate_owner = null, reevaluate_lease_until = null where id = ?1 and reevaluate_owner = ?2")
                .setParameter(1, claimed.id()).setParameter(2, claimed.owner()).executeUpdate())
                .flatMap(freed -> freed == 0 ? Uni.createFrom().<String> failure(new LeaseLost("taken over: nothing written"))
                        : AccessRequest.<AccessRequest> findById(claimed.id())
                                .flatMap(request -> decide(claimed, request, decision, now)));
    }

    private Uni<String> decide(Claimed claimed, AccessRequest request, AutoApprovalDecision decision, Instant now) {
        if (request == null || request.version != claimed.version() || request.statusAt(now) != Status.PENDING) {
            return Uni.createFrom().item("decided, escalated, expired or changed meanwhile: nothing to do");
        }
        request.updatedAt = now;
        request.reevaluateAt = null;
        request.evaluation = decision;
        if (!decision.approved()) {
            return audit.record(request.orgId, request.id, AuditAction.REQUEST_REEVALUATED, "system",
                    "incident.io answered after " + request.reevaluations + " attempt(s): not auto-approved (" + decision.code()
                            + ")").replaceWith("not auto-approved (" + decision.code() + ")");
        }
        request.status = Status.APPROVED;
        request.grantExpiresAt = decision.expiresAt();
        return audit.record(request.orgId, request.id, AuditAction.REQUEST_REEVALUATED, "system",
                "incident.io answered after " + request.reevaluations + " attempt(s)")
                .call(() -> audit.record(request.orgId, request.id, AuditAction.REQUEST_AUTO_APPROVED, "system",
                        decision.explanation()))
                .call(() -> events.record(request, RequestEventType.APPROVED, java.util.Map.of("approvedBy", "reevaluation")))
                .call(() -> followUp.ended(request, now)) // an escalation sent meanwhile stops paging
                .invoke(() -> LOG.infof("request %s of org %s auto-approved on re-evaluation", request.id, request.orgId))
                .replaceWith("auto-approved");
    }
}
