package io.oncallapprover.escalation;

import java.time.Instant;

import jakarta.persistence.Column;
import jakarta.persistence.Entity;
import jakarta.persistence.EnumType;
import jakarta.persistence.Enumerated;
import jakarta.persistence.GeneratedValue;
import jakarta.persistence.GenerationType;
import jakarta.persistence.Id;
import jakarta.persistence.Table;
import jakarta.persistence.Version;

import io.quarkus.hibernate.reactive.panache.PanacheEntityBase;

/**
 * An incident.io write to make, stored in the same transaction as the change that needs it and
 * drained by {@link IncidentOutboxWorker}. Never lost, and never sent twice for good: creates carry
 * an idempotency key, edits set the whole summary.
 */
@Entity
@Table(name = "outbox_task")
public class OutboxTask extends PanacheEntityBase {

    public enum Kind {
        CREATE_INCIDENT, UPDATE_INCIDENT,
        /** Creates the escalation {@code pageEscalationId} (a page without an incident). */
        CREATE_ESCALATION,
        /** Cancels the escalation {@code pageEscalationId} once the request is over. */
        CANCEL_ESCALATION
    }

    public enum Status {
        PENDING, DONE, FAILED
    }

    @Id
    @GeneratedValue(strategy = GenerationType.IDENTITY)
    public Long id;

    @Column(name = "org_id", nullable = false)
    public String orgId;

    @Column(name = "request_id", nullable = false)
    public String requestId;

    @Enumerated(EnumType.STRING)
    @Column(nullable = false)
    public Kind kind;

    @Enumerated(EnumType.STRING)
    @Column(nullable = false)
    public Status status;

    /** The escalation an escalation task creates or cancels (null for incident tasks). */
    @Column(name = "page_escalation_id")
    public Long pageEscalationId;

    @Column(nullable = false)
    public int attempts;

    @Column(name = "next_attempt_at", nullable = false)
    public Instant nextAttemptAt;

    /** A worker's lease: while in the future, no other worker takes the task. */
    @Column(name = "locked_until")
    public Instant lockedUntil;

    /** Who holds the lease: only the worker with this token may finish or fail the task. */
    @Column(name = "lease_token")
    public String leaseToken;

    @Column(name = "last_error")
    public String lastError;

    @Column(name = "created_at", nullable = false)
    public Instant createdAt;

    @Column(name = "updated_at", nullable = false)
    public Instant updatedAt;

    @Version
    public long version;

    public static OutboxTask pending(String orgId, String requestId, Kind kind, Instant now) {
        OutboxTask task = new OutboxTask();
        task.orgId = orgId;
        task.requestId = requestId;
        task.kind = kind;
        task.status = Status.PENDING;
        task.nextAttemptAt = now;
        task.createdAt = now;
        task.updatedAt = now;
        return task;
    }

    public static OutboxTask pending(String orgId, String requestId, Kind kind, Long pageEscalationId, Instant now) {
        OutboxTask task = pending(orgId, requestId, kind, now);
        task.pageEscalationId = pageEscalationId;
        return task;
    }
}
