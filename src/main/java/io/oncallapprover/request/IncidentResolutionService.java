package io.oncallapprover.request;

import java.time.Clock;
import java.time.Instant;
import java.util.Locale;
import java.util.Set;

import jakarta.enterprise.context.ApplicationScoped;
import jakarta.inject.Inject;

import io.oncallapprover.audit.AuditAction;
import io.oncallapprover.audit.AuditLog;
import io.oncallapprover.request.AccessRequest.Status;
import io.quarkus.hibernate.reactive.panache.common.WithTransaction;
import io.smallrye.mutiny.Uni;

/**
 * Two-way pages: what incident.io reports of a request's escalation incident reaches the request. The
 * status is recorded on the request; when the incident is resolved or closed while the request is
 * still pending, that is recorded and audited, and, if the organization chose so, the request is
 * closed as not approved (DENIED, nobody decided; the reason says why). A decision made meanwhile
 * wins: the version check makes the later write fail, and the delivery is retried against the
 * decided request.
 */
@ApplicationScoped
public class IncidentResolutionService {

    /** incident.io status categories after which nobody works on the incident any more. */
    static final Set<String> RESOLVED = Set.of("learning", "closed", "declined", "canceled", "cancelled", "merged");

    @Inject
    RequestEvents events;

    @Inject
    AuditLog audit;

    @Inject
    DecisionFollowUp followUp;

    @Inject
    Clock clock;

    /** incident.io escalation statuses that mean someone ended the page there (expired: nobody answered, not a refusal). */
    static final Set<String> ESCALATION_ENDED = Set.of("resolved", "cancelled");

    /** Statuses after which an escalation pages nobody any more: cancelling it is not needed. */
    public static final Set<String> ESCALATION_OVER = Set.of("resolved", "cancelled", "expired");

    /** Whether a request of the organization has this escalation. */
    @io.quarkus.hibernate.reactive.panache.common.WithSession
    @io.oncallapprover.common.DatabaseDeadline
    public Uni<Boolean> hasEscalation(String orgId, String escalationId) {
        return PageEscalation.count("orgId = ?1 and escalationId = ?2", orgId, escalationId).map(n -> n > 0);
    }

    /**
     * Records an escalation's status on its request's escalation; when incident.io reports it resolved
     * or cancelled while the request is pending, records that on the request and, if the organization
     * chose so, closes the request as not approved and cancels its other escalations.
     */
    @WithTransaction
    public Uni<String> escalationStatus(String orgId, String escalationId, String status, boolean closeRequest, String deliveryId) {
        return PageEscalation.<PageEscalation> find("orgId = ?1 and escalationId = ?2", orgId, escalationId).firstResult()
                .flatMap(escalation -> {
                    if (escalation == null) {
                        return Uni.createFrom().item("no request has escalation " + escalationId);
                    }
                    Instant now = clock.instant();
                    String lower = status == null ? null : status.toLowerCase(Locale.ROOT);
                    String normalized = lower != null && lower.length() > 64 ? lower.substring(0, 64) : lower;
                    String previous = escalation.incidentioStatus;
                    if (previous != null && ESCALATION_OVER.contains(previous)
                            && (normalized == null || !ESCALATION_OVER.contains(normalized))) {
                        // deliveries may come out of order: an escalation over does not go back
                        return Uni.createFrom().item("ignored status " + normalized + " of escalation " + escalationId
                                + ", already " + previous);
                    }
                    escalation.incidentioStatus = normalized;
                    escalation.updatedAt = now;
                    if (normalized == null || !ESCALATION_ENDED.contains(normalized)) {
                        return Uni.createFrom().item("recorded status " + normalized + " of escalation " + escalationId);
                    }
                    if (previous != null && ESCALATION_ENDED.contains(previous)) {
                        return Uni.createFrom().item("recorded status " + normalized + " of escalation " + escalationId
                                + "; its end was recorded before");
                    }
                    String ended = normalized;
                    return AccessRequest.<AccessRequest> findById(escalation.requestId).flatMap(request -> {
                        String seen = "incident.io reports escalation " + escalationId + " " + ended + " (webhook delivery "
                                + deliveryId + ")";
                        if (request.statusAt(now) != Status.PENDING) {
                            return Uni.createFrom().item("recorded status " + ended + " of escalation " + escalationId
                                    + "; the request is " + request.statusAt(now));
                        }
                        return resolvedWhilePending(request, AuditAction.ESCALATION_RESOLVED, seen, closeRequest,
                                "an escalation was " + ended + " in incident.io before anyone decided", now);
                    });
                });
    }

    public static boolean resolved(String category) {
        return category != null && RESOLVED.contains(category.toLowerCase(Locale.ROOT));
    }

    /** Whether a request of the organization has this escalation incident. */
    @io.quarkus.hibernate.reactive.panache.common.WithSession
    @io.oncallapprover.common.DatabaseDeadline
    public Uni<Boolean> hasRequest(String orgId, String incidentId) {
        return AccessRequest.count("orgId = ?1 and incidentId = ?2", orgId, incidentId).map(n -> n > 0);
    }

    /** Records the incident's status on its request; returns what was done, for the delivery's outcome. */
    @WithTransaction
    public Uni<String> incidentStatus(String orgId, String incidentId, String category, boolean closeRequest,
            String deliveryId) {
        return AccessRequest.<AccessRequest> find("orgId = ?1 and incidentId = ?2", orgId, incidentId).firstResult()
                .flatMap(request -> {
                    if (request == null) {
                        return Uni.createFrom().item("no request has incident " + incidentId);
                    }
                    Instant now = clock.instant();
                    request.incidentStatus = category;
                    request.updatedAt = now;
                    if (!resolved(category) || request.incidentClosedAt != null) {
                        return Uni.createFrom().item("recorded status " + category + " on request " + request.id);
                    }
                    request.incidentClosedAt = now;
                    boolean pending = request.statusAt(now) == Status.PENDING;
                    String seen = "incident.io reports incident " + (request.incidentReference != null ? request.incidentReference
                            : incidentId) + " " + category + " (webhook delivery " + deliveryId + ")";
                    if (!pending) {
                        return audit.record(orgId, request.id, AuditAction.INCIDENT_RESOLVED, "incident.io",
                                seen + "; the request was already " + request.statusAt(now))
                                .replaceWith("recorded the resolution of a request already " + request.statusAt(now));
                    }
                    return resolvedWhilePending(request, AuditAction.INCIDENT_RESOLVED, seen, closeRequest,
                            "the escalation incident was " + category + " in incident.io before anyone decided", now);
                });
    }

    /**
     * A page of a pending request was ended in incident.io ({@code seen} says how): audited; and, if
     * the organization chose so, the request is closed as not approved, and whatever still pages for it
     * is stopped. Returns the delivery's outcome.
     */
    private Uni<String> resolvedWhilePending(AccessRequest request, AuditAction action, String seen, boolean closeRequest,
            String endedReason, Instant now) {
        if (!closeRequest) {
            return audit.record(request.orgId, request.id, action, "incident.io",
                    seen + " while the request is pending; it stays pending (the organization does not close requests on resolution)")
                    .call(() -> events.record(request, RequestEventType.INCIDENT_RESOLVED))
                    .replaceWith("recorded the resolution; request " + request.id + " stays pending");
        }
        request.status = Status.DENIED;
        request.updatedAt = now;
        request.endedReason = endedReason;
        return audit.record(request.orgId, request.id, action, "incident.io", seen + " while the request was pending: closed as not approved")
                .call(() -> events.record(request, RequestEventType.INCIDENT_RESOLVED, java.util.Map.of("endedReason", endedReason)))
                .call(() -> followUp.ended(request, now))
                .replaceWith("closed request " + request.id + " as not approved");
    }
}
