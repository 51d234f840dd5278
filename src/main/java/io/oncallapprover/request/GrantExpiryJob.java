package io.oncallapprover.request;

import java.time.Clock;
import java.time.Instant;

import jakarta.enterprise.context.ApplicationScoped;
import jakarta.inject.Inject;

import io.oncallapprover.audit.AuditAction;
import io.oncallapprover.audit.AuditLog;
import io.quarkus.hibernate.reactive.panache.Panache;
import io.quarkus.panache.common.Page;
import io.quarkus.scheduler.Scheduled;
import io.smallrye.mutiny.Multi;
import io.smallrye.mutiny.Uni;

/** Moves approved requests whose grant has ended to EXPIRED, with an audit record each. */
@ApplicationScoped
public class GrantExpiryJob {

    @Inject
    AuditLog audit;

    @Inject
    Clock clock;

    @Scheduled(every = "${oncall.jobs.expire-every:30s}", delayed = "10s",
            concurrentExecution = Scheduled.ConcurrentExecution.SKIP)
    Uni<Void> scheduled() {
        return expireDue().replaceWithVoid();
    }

    /** Expires every approved request whose grant ended by now; returns how many. */
    public Uni<Integer> expireDue() {
        Instant now = clock.instant();
        return Panache.withTransaction(() -> AccessRequest.<AccessRequest> find(
                "status = ?1 and grantExpiresAt <= ?2 order by grantExpiresAt", AccessRequest.Status.APPROVED, now)
                .page(Page.ofSize(500)).list()
                .flatMap(due -> Multi.createFrom().iterable(due)
                        .onItem().transformToUniAndConcatenate(request -> {
                            request.status = AccessRequest.Status.EXPIRED;
                            request.updatedAt = now;
                            return audit.record(request.orgId, request.id, AuditAction.REQUEST_EXPIRED, "system",
                                    "grant ended at " + request.grantExpiresAt);
                        })
                        .collect().asList()
                        .map(java.util.List::size)));
    }
}
