package io.oncallapprover.request;

import io.quarkus.hibernate.reactive.panache.common.WithSession;
import io.quarkus.hibernate.reactive.panache.common.WithTransaction;
import java.time.Clock;
import java.time.Instant;

import jakarta.enterprise.context.ApplicationScoped;
import jakarta.inject.Inject;

import io.oncallapprover.audit.AuditAction;
import io.oncallapprover.audit.AuditLog;
import io.quarkus.panache.common.Page;
import io.quarkus.scheduler.Scheduled;
import io.smallrye.mutiny.Multi;
import io.smallrye.mutiny.Uni;

/** Moves ended grants and lapsed pending requests to EXPIRED, with an audit record each. */
@ApplicationScoped
public class GrantExpiryJob {

    @Inject
    RequestEvents events;

    @Inject
    AuditLog audit;

    @Inject
    DecisionFollowUp followUp;

    @Inject
    Clock clock;

    @Scheduled(every = "${oncall.jobs.expire-every:30s}", delayed = "10s",
            concurrentExecution = Scheduled.ConcurrentExecution.SKIP)
    Uni<Void> scheduled() {
        return expireDue().replaceWithVoid();
    }

    /**
     * Expires every approved request whose grant ended by now, and every pending request that lapsed
     * undecided; returns how many. (Reads already show them EXPIRED; this makes it durable and audited.)
     * Each request in a transaction of its own: an event locks its organization's counter until the
     * commit, so one transaction over many organizations would hold them all, in no set order.
     */
    public Uni<Integer> expireDue() {
        Instant now = clock.instant();
        return dueIds(now).flatMap(ids -> Multi.createFrom().iterable(ids)
                .onItem().transformToUniAndConcatenate(id -> expire(id, now))
                .filter(Boolean::booleanValue)
                .collect().asList()
                .map(java.util.List::size));
    }

    @WithSession
    Uni<java.util.List<String>> dueIds(Instant now) {
        return AccessRequest.<AccessRequest> find(
                "(status = ?1 and grantExpiresAt <= ?3) or (status = ?2 and pendingExpiresAt <= ?3) order by id",
                AccessRequest.Status.APPROVED, AccessRequest.Status.PENDING, now)
                .page(Page.ofSize(500)).list()
                .map(due -> due.stream().map(r -> r.id).toList());
    }

    /** Expires one request if it is still due (a decision or a revoke may have come first); false otherwise. */
    @WithTransaction
    Uni<Boolean> expire(String id, Instant now) {
        return AccessRequest.<AccessRequest> findById(id).flatMap(request -> {
            boolean lapsed = request != null && request.status == AccessRequest.Status.PENDING
                    && request.pendingExpiresAt != null && !request.pendingExpiresAt.isAfter(now);
            boolean ended = request != null && request.status == AccessRequest.Status.APPROVED
                    && request.grantExpiresAt != null && !request.grantExpiresAt.isAfter(now);
            if (!lapsed && !ended) {
                return Uni.createFrom().item(false);
            }
            String detail = lapsed ? "lapsed undecided at " + request.pendingExpiresAt : "grant ended at " + request.grantExpiresAt;
            request.status = AccessRequest.Status.EXPIRED;
            request.updatedAt = now;
            return audit.record(request.orgId, request.id, AuditAction.REQUEST_EXPIRED, "system", detail)
                    // nobody decided: the escalations still paging the team are cancelled
                    .call(() -> lapsed ? followUp.ended(request, now) : Uni.createFrom().voidItem())
                    .call(() -> events.record(request, RequestEventType.EXPIRED))
                    .replaceWith(true);
        });
    }
}
