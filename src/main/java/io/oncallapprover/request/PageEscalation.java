package io.oncallapprover.request;

import java.time.Instant;
import java.util.List;

import jakarta.persistence.Column;
import jakarta.persistence.Entity;
import jakarta.persistence.EnumType;
import jakarta.persistence.Enumerated;
import jakarta.persistence.GeneratedValue;
import jakarta.persistence.GenerationType;
import jakarta.persistence.Id;
import jakarta.persistence.Table;

import org.hibernate.annotations.JdbcTypeCode;
import org.hibernate.type.SqlTypes;

import io.quarkus.hibernate.reactive.panache.PanacheEntityBase;
import io.oncallapprover.policy.PagedSchedule;

/**
 * One incident.io escalation of a request paged without an incident: whom it pages (an escalation
 * path, or the people on call for {@code sources}), and what became of it. Created and cancelled
 * by the outbox.
 */
@Entity
@Table(name = "page_escalation")
public class PageEscalation extends PanacheEntityBase {

    public enum State {
        /** Waiting for the outbox to create it. */
        PENDING,
        /** incident.io has it: {@code escalationId} is set. */
        CREATED,
        /** incident.io refused it or stayed unreachable through every attempt. */
        FAILED,
        /** The request was decided or lapsed before it was sent: nobody was paged. */
        NOT_SENT,
        /** Cancelled in incident.io after the request was decided or lapsed. */
        CANCELLED,
        /** Cancelling failed through every attempt: it may still page in incident.io. */
        CANCEL_FAILED
    }

    /** The schedules a people target pages, each with the rotations of it that count. */
    public record Sources(List<PagedSchedule> schedules) {

        public Sources {
            schedules = schedules == null ? List.of() : List.copyOf(schedules);
        }
    }

    @Id
    @GeneratedValue(strategy = GenerationType.IDENTITY)
    public Long id;

    @Column(name = "org_id", nullable = false)
    public String orgId;

    @Column(name = "request_id", nullable = false)
    public String requestId;

    @Column(nullable = false)
    public int ordinal;

    @Column(name = "escalation_path_id")
    public String escalationPathId;

    /** For a people target, whose on-call people are paged (jsonb, an object: {@code {"schedules": [...]}}). */
    @JdbcTypeCode(SqlTypes.JSON)
    @Column(nullable = false, columnDefinition = "jsonb")
    public Sources sources = new Sources(List.of());

    @Enumerated(EnumType.STRING)
    @Column(nullable = false)
    public State state;

    @Column(name = "escalation_id")
    public String escalationId;

    /** The incident.io users paged (a people target), written down before the first send. */
    @Column(name = "user_ids", columnDefinition = "text[]")
    public String[] userIds;

    /**
     * When it was first about to be sent: from then on incident.io may have it, so it is never taken
     * for "not sent", and every retry sends the same body under the same key.
     */
    @Column(name = "sent_at")
    public Instant sentAt;

    public String error;

    /** What incident.io last reported of the escalation's status, through webhooks (pending, triggered, acked, resolved, ...). */
    @Column(name = "incidentio_status")
    public String incidentioStatus;

    @Column(name = "created_at", nullable = false)
    public Instant createdAt;

    @Column(name = "updated_at", nullable = false)
    public Instant updatedAt;

    /** The worker and the webhooks both write the row: the later of two concurrent writes fails and is retried. */
    @jakarta.persistence.Version
    public long version;

    /** The escalations of a request, in page order. */
    public static io.smallrye.mutiny.Uni<List<PageEscalation>> of(String requestId) {
        return PageEscalation.<PageEscalation> find("requestId = ?1 order by ordinal", requestId).list();
    }
}
