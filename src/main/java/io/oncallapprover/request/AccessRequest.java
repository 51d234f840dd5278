package io.oncallapprover.request;

import java.time.Instant;

import jakarta.persistence.Column;

import org.hibernate.annotations.JdbcTypeCode;
import org.hibernate.type.SqlTypes;

import io.oncallapprover.approval.AutoApprovalDecision;
import io.oncallapprover.policy.StoredRules;
import jakarta.persistence.Entity;
import jakarta.persistence.EnumType;
import jakarta.persistence.Enumerated;
import jakarta.persistence.Id;
import jakarta.persistence.Table;
import jakarta.persistence.Version;

import io.quarkus.hibernate.reactive.panache.PanacheEntityBase;

/** An access request and its lifecycle. See {@code V3__policies_requests_outbox.sql}. */
@Entity
@Table(name = "access_request")
public class AccessRequest extends PanacheEntityBase {

    public enum Status {
        PENDING, APPROVED, DENIED, EXPIRED,
        /** Given up while pending ({@code POST /{id}/withdraw}); its page stopped. */
        WITHDRAWN
    }

    public enum IncidentState {
        /** Not escalated. */
        NONE,
        /** Escalated; the incident is being created by the outbox. */
        PENDING,
        CREATED,
        /** incident.io refused or stayed unreachable through every attempt. */
        FAILED
    }

    @Id
    public String id;

    @Column(name = "org_id", nullable = false)
    public String orgId;

    @Column(nullable = false)
    public String requester;

    @Column(name = "resource_type", nullable = false)
    public String resourceType;

    @Column(name = "resource_service", nullable = false)
    public String resourceService;

    @Column(name = "resource_name", nullable = false)
    public String resourceName;

    public String reason;

    @Column(name = "conversation_url")
    public String conversationUrl;

    @Enumerated(EnumType.STRING)
    @Column(nullable = false)
    public Status status;

    /** The rules the request matched when it was made (jsonb; see {@link MatchedRules}). */
    @JdbcTypeCode(SqlTypes.JSON)
    @Column(name = "matched_rules", nullable = false, columnDefinition = "jsonb")
    public StoredRules matchedRules;

    /** The auto-approval evaluation made at creation (jsonb). */
    @JdbcTypeCode(SqlTypes.JSON)
    @Column(nullable = false, columnDefinition = "jsonb")
    public AutoApprovalDecision evaluation;

    /** Subject of the caller (token) that made the request on the requester's behalf. */
    @Column(name = "requested_by", nullable = false)
    public String requestedBy;

    @Column(name = "created_at", nullable = false)
    public Instant createdAt;

    @Column(name = "updated_at", nullable = false)
    public Instant updatedAt;

    @Column(name = "grant_expires_at")
    public Instant grantExpiresAt;

    @Column(name = "escalated_at")
    public Instant escalatedAt;

    @Column(name = "escalated_by")
    public String escalatedBy;

    /** How the escalation pages the on-call team (null until escalated). */
    public enum PageKind {
        /** One incident.io incident; its state is {@code incidentState}. */
        INCIDENT,
        /** incident.io escalations without an incident: {@link PageEscalation} rows. */
        ESCALATION
    }

    @Enumerated(EnumType.STRING)
    @Column(name = "page_kind")
    public PageKind pageKind;

    @Enumerated(EnumType.STRING)
    @Column(name = "incident_state", nullable = false)
    public IncidentState incidentState = IncidentState.NONE;

    @Column(name = "incident_id")
    public String incidentId;

    @Column(name = "incident_reference")
    public String incidentReference;

    @Column(name = "incident_url")
    public String incidentUrl;

    @Column(name = "incident_error")
    public String incidentError;

    /** The approver schedules the escalation paged (the eligible steps' services), fixed at escalation. */
    @Column(name = "paged_schedules", columnDefinition = "text[]")
    public String[] pagedSchedules;

    /** The rules of the eligible escalation steps, fixed at escalation. */
    @Column(name = "paged_rules", columnDefinition = "text[]")
    public String[] pagedRules;

    /** A pending request lapses at this instant (EXPIRED without a decision). */
    @Column(name = "pending_expires_at")
    public Instant pendingExpiresAt;

    /** What incident.io last reported of the escalation incident (its status category), through webhooks. */
    @Column(name = "incident_status")
    public String incidentStatus;

    /** When incident.io was seen to report the escalation incident resolved or closed. */
    @Column(name = "incident_closed_at")
    public Instant incidentClosedAt;

    /** Why the request ended early: a shift change ended the grant, the incident was resolved before a decision. */
    @Column(name = "ended_reason")
    public String endedReason;

    /** Who revoked the grant or withdrew the request (as the caller said), and their comment. */
    @Column(name = "ended_by")
    public String endedBy;

    @Column(name = "ended_comment")
    public String endedComment;

    /** A request created while incident.io could not be asked is evaluated again at this instant (null: never). */
    @Column(name = "reevaluate_at")
    public Instant reevaluateAt;

    @Column(name = "reevaluations", nullable = false)
    public int reevaluations;

    @Version
    public long version;

    /**
     * The status as of {@code now}: a grant that has ended, or a pending request that has lapsed,
     * reads EXPIRED at once, before the expiry job has written it.
     */
    public Status statusAt(Instant now) {
        if (status == Status.APPROVED && grantExpiresAt != null && !grantExpiresAt.isAfter(now)) {
            return Status.EXPIRED;
        }
        if (status == Status.PENDING && pendingExpiresAt != null && !pendingExpiresAt.isAfter(now)) {
            return Status.EXPIRED;
        }
        return status;
    }
}
