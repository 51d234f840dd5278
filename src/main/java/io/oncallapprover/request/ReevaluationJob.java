package io.oncallapprover.request;

import java.time.Clock;
import java.time.Instant;
import java.util.List;

import jakarta.enterprise.context.ApplicationScoped;
import jakarta.inject.Inject;

import org.jboss.logging.Logger;

import io.oncallapprover.approval.AutoApprovalDecision;
import io.oncallapprover.approval.AutoApprovalService;
import io.oncallapprover.approval.CheckCode;
import io.oncallapprover.audit.AuditAction;
import io.oncallapprover.audit.AuditLog;
import io.oncallapprover.common.Backoff;
import io.oncallapprover.organization.OrgSnapshots;
import io.oncallapprover.policy.PolicyEvaluator;
import io.oncallapprover.policy.PolicyEvaluator.Routing;
import io.oncallapprover.request.AccessRequest.Status;
import io.quarkus.hibernate.reactive.panache.Panache;
import io.quarkus.hibernate.reactive.panache.common.WithTransaction;
import io.quarkus.scheduler.Scheduled;
import io.smallrye.mutiny.Multi;
import io.smallrye.mutiny.Uni;

/**
 * A request created while incident.io could not be asked is not left at "not auto-approved" for
 * ever: it is evaluated again in the background, with back-off, until incident.io answers or the
 * request is no longer pending; if it qualifies then, it is auto-approved then (the grant starts
 * then). It must qualify under both the rules it matched when it was made and the policy in force
 * now, as an escalation must.
 * <p>
 * Due requests are claimed under {@code FOR UPDATE SKIP LOCKED} by pushing their next attempt past a
 * lease, so two replicas never evaluate the same request at once. No incident edit follows an
 * approval here: the outbox's summary edit describes a person's decision and, with none recorded,
 * would fail through all its attempts; an escalated request approved this way shows it on the request
 * and in its audit trail only; incident.io is asked with no
 * transaction open; the outcome is written only if the request is still pending and unchanged.
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

    /** A claimed request: what the evaluation needs, and the version it was claimed at. */
    record Claimed(String id, String orgId, long version) {
    }

    @Scheduled(every = "${oncall.jobs.reevaluate-every:5s}", delayed = "10s", concurrentExecution = Scheduled.ConcurrentExecution.SKIP)
    Uni<Void> scheduled() {
        return reevaluateDue().replaceWithVoid();
    }

    /** Re-evaluates every due request; returns how many were claimed. */
    public Uni<Integer> reevaluateDue() {
        return claim(clock.instant()).flatMap(claimed -> Multi.createFrom().iterable(claimed)
                .onItem().transformToUniAndConcatenate(this::reevaluate)
                .collect().asList()
                .map(done -> claimed.size()));
    }

    @WithTransaction
    Uni<List<Claimed>> claim(Instant now) {
        return Panache.getSession().flatMap(session -> session.createNativeQuery(
                "update access_request r set reevaluate_at = ?1 from (select id from access_request where status = 'PENDING'"
                        + " and reevaluate_at <= ?2 and (pending_expires_at is null or pending_expires_at > ?2)"
                        + " order by reevaluate_at limit 20 for update skip locked) due where r.id = due.id"
                        + " returning r.id, r.org_id, r.version", Object[].class)
                .setParameter(1, now.plus(config.reevaluateLease())).setParameter(2, now)
                .getResultList())
                .map(rows -> rows.stream().map(row -> new Claimed((String) row[0], (String) row[1], ((Number) row[2]).longValue()))
                        .toList());
    }

    private Uni<Void> reevaluate(Claimed claimed) {
        return read(claimed.id()).flatMap(request -> snapshots.of(request.orgId).flatMap(org -> {
            Routing frozen = MatchedRules.restore(request.matchedRules);
            Routing current = PolicyEvaluator.route(org.policy(), request.requester, AccessRequestService.resourceOf(request));
            // Under both: the frozen rules first, then the policy in force (the second reads the same cached entries).
            return autoApproval.evaluate(org, request.requester, request.reason, frozen)
                    .flatMap(underFrozen -> !underFrozen.decision().approved() ? Uni.createFrom().item(underFrozen.decision())
                            : autoApproval.evaluate(org, request.requester, request.reason, current).map(e -> e.decision()))
                    .flatMap(decision -> write(claimed, decision));
        })).onFailure().recoverWithItem(failure -> {
            LOG.warnf("re-evaluation of request %s failed (%s); it is taken again after its lease", claimed.id(), failure.getMessage());
            return null;
        });
    }

    @io.quarkus.hibernate.reactive.panache.common.WithSession
    @io.oncallapprover.common.DatabaseDeadline
    Uni<AccessRequest> read(String id) {
        return AccessRequest.findById(id);
    }

    /** Writes the outcome if the request is still pending and unchanged since it was claimed. */
    @WithTransaction
    Uni<Void> write(Claimed claimed, AutoApprovalDecision decision) {
        Instant now = clock.instant();
        return AccessRequest.<AccessRequest> findById(claimed.id()).flatMap(request -> {
            if (request == null || request.version != claimed.version() || request.statusAt(now) != Status.PENDING) {
                return Uni.createFrom().voidItem(); // decided, escalated, expired or changed meanwhile: nothing to do
            }
            request.reevaluations++;
            request.updatedAt = now;
            if (decision.code() == CheckCode.UPSTREAM_UNAVAILABLE) {
                request.reevaluateAt = now.plus(Backoff.jittered(config.reevaluateFirst(), request.reevaluations + 1,
                        config.reevaluateMaxBackoff()));
                return Uni.createFrom().voidItem();
            }
            request.reevaluateAt = null;
            request.evaluation = decision;
            if (!decision.approved()) {
                return audit.record(request.orgId, request.id, AuditAction.REQUEST_REEVALUATED, "system",
                        "incident.io answered after " + request.reevaluations + " attempt(s): not auto-approved (" + decision.code()
                                + ")").replaceWithVoid();
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
                    .replaceWithVoid();
        });
    }
}
