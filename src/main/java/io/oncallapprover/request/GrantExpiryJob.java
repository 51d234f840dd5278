package io.oncallapprover.request;

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
     */
    @WithTransaction
    public Uni<Integer> expireDue() {
        Instant now = clock.instant();
        return AccessRequest.<AccessRequest> find(
                "(status = ?1 and grantExpiresAt <= ?3) or (status = ?2 and pendingExpiresAt <= ?3) order by id",
                AccessRequest.Status.APPROVED, AccessRequest.Status.PENDING, now)
                .page(Page.ofSize(500)).list()
                .flatMap(due -> Multi.createFrom().iterable(due)
                        .onItem().transformToUniAndConcatenate(request -> {
                            boolean lapsed = request.status == AccessRequest.Status.PENDING;
                            String detail = lapsed ? "lapsed undecided at " + request.pendingExpiresAt
                                    : "grant ended at " + request.grantExpiresAt;
                            request.status = AccessRequest.Status.EXPIRED;
                            request.updatedAt = now;
                            return audit.record(request.orgId, request.id, AuditAction.REQUEST_EXPIRED, "system", detail)
                                    .call(() -> events.record(request, RequestEventType.EXPIRED))
                                    // nobody decided: the escalations still paging the team are cancelled
                                    .call(() -> lapsed ? followUp.ended(request, now) : Uni.createFrom().voidItem());
                        })
                        .collect().asList()
                        .map(java.util.List::size));
    }
}
