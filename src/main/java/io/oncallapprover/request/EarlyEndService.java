package io.oncallapprover.request;

import java.time.Clock;
import java.time.Instant;

import jakarta.enterprise.context.ApplicationScoped;
import jakarta.inject.Inject;

import io.oncallapprover.audit.AuditAction;
import io.oncallapprover.audit.AuditLog;
import io.oncallapprover.idempotency.KeyedWrite;
import io.oncallapprover.problem.ProblemCode;
import io.oncallapprover.request.AccessRequest.Status;
import io.oncallapprover.security.Caller;
import io.quarkus.hibernate.reactive.panache.common.WithTransaction;
import io.smallrye.mutiny.Uni;

/**
 * Ending a request early, by a caller: revoking an active grant, withdrawing a pending request. Each
 * change, its audit record, its event (and the answer of its Idempotency-Key) in one transaction.
 */
@ApplicationScoped
public class EarlyEndService {

    /** {@code endedReason} of a revoked grant. */
    public static final String REVOKED = "REVOKED";

    /** {@code endedReason} of a withdrawn request. */
    public static final String WITHDRAWN = "WITHDRAWN";

    @Inject
    AccessRequestService requests;

    @Inject
    RequestEvents events;

    @Inject
    AuditLog audit;

    @Inject
    DecisionFollowUp followUp;

    @Inject
    Clock clock;

    /**
     * Ends an active grant now: {@code EXPIRED}, {@code endedReason} {@code REVOKED}, audited, and a
     * {@code grant_ended} event. The database decides a race (a shift change, the grant's end, another
     * revoke): only the update that still finds the grant active wins; otherwise 409 {@code NOT_APPROVED}.
     */
    @WithTransaction
    public Uni<AccessRequest> revoke(String orgId, String id, AccessRequestDtos.EndRequest body, Caller caller,
            KeyedWrite<AccessRequest> keyed) {
        Instant now = clock.instant();
        return endEarly(orgId, id, now, AccessRequest.update("status = ?1, grantExpiresAt = ?2, endedReason = ?3, endedBy = ?4,"
                + " endedComment = ?5, updatedAt = ?2, version = version + 1"
                + " where id = ?6 and orgId = ?7 and status = ?8 and grantExpiresAt > ?2",
                Status.EXPIRED, now, REVOKED, body.by(), body.comment(), id, orgId, Status.APPROVED),
                ProblemCode.NOT_APPROVED, "only an active grant can be revoked", AuditAction.GRANT_REVOKED, caller,
                body.by() + " revoked the grant" + (body.comment() == null ? "" : ": " + body.comment()),
                request -> events.record(request, RequestEventType.GRANT_ENDED, java.util.Map.of("endedReason", REVOKED)), keyed);
    }

    /**
     * Gives up a pending request: {@code WITHDRAWN}, audited, a {@code withdrawn} event, and its page
     * stops (escalations cancelled, the incident's summary edited to say so; never resolved). Only a
     * request still pending can be withdrawn; otherwise 409 {@code NOT_PENDING}.
     */
    @WithTransaction
    public Uni<AccessRequest> withdraw(String orgId, String id, AccessRequestDtos.EndRequest body, Caller caller,
            KeyedWrite<AccessRequest> keyed) {
        Instant now = clock.instant();
        return endEarly(orgId, id, now, AccessRequest.update("status = ?1, endedReason = ?2, endedBy = ?3, endedComment = ?4,"
                + " updatedAt = ?5, version = version + 1 where id = ?6 and orgId = ?7 and status = ?8"
                + " and (pendingExpiresAt is null or pendingExpiresAt > ?5)",
                Status.WITHDRAWN, WITHDRAWN, body.by(), body.comment(), now, id, orgId, Status.PENDING),
                ProblemCode.NOT_PENDING, "only a pending request can be withdrawn", AuditAction.REQUEST_WITHDRAWN, caller,
                body.by() + " withdrew the request" + (body.comment() == null ? "" : ": " + body.comment()),
                request -> followUp.decided(request, now) // the page says so and stops
                        .call(() -> events.record(request, RequestEventType.WITHDRAWN)), keyed);
    }

    /**
     * Ends a request early through a conditional {@code update}, which decides any race: when it changed
     * no row the request was not in the state it needs, and the caller gets 409 {@code refusal} with the
     * status now; otherwise the change is audited and {@code then} follows, and the answer of its key,
     * in the same transaction.
     */
    private Uni<AccessRequest> endEarly(String orgId, String id, Instant now, Uni<Integer> update, ProblemCode refusal,
            String needs, AuditAction action, Caller caller, String detail,
            java.util.function.Function<AccessRequest, Uni<?>> then, KeyedWrite<AccessRequest> keyed) {
        return update.flatMap(updated -> requests.require(orgId, id).flatMap(request -> {
            if (updated == 0) {
                Status status = request.statusAt(now);
                throw AccessRequestService.conflict(refusal, "The request is " + status + "; " + needs + ".", status);
            }
            return audit.record(orgId, id, action, caller.subject(), detail).call(() -> then.apply(request)).replaceWith(request)
                    .call(keyed::settle);
        }));
    }
}
