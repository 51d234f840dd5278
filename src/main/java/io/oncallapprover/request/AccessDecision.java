package io.oncallapprover.request;

import java.time.Instant;

import java.util.List;

import jakarta.persistence.Column;

import org.hibernate.annotations.JdbcTypeCode;
import org.hibernate.type.SqlTypes;

import io.oncallapprover.approval.Evidence;
import jakarta.persistence.Entity;
import jakarta.persistence.Id;
import jakarta.persistence.Table;

import io.quarkus.hibernate.reactive.panache.PanacheEntityBase;

/** The one decision of a request (the primary key is the request id). */
@Entity
@Table(name = "access_decision")
public class AccessDecision extends PanacheEntityBase {

    public enum Kind {
        APPROVE, DENY
    }

    @Id
    @Column(name = "request_id")
    public String requestId;

    @Column(nullable = false)
    public String approver;

    @Column(nullable = false)
    public String decision;

    public String comment;

    @Column(name = "decided_at", nullable = false)
    public Instant decidedAt;

    /** Subject of the caller (token) that reported the decision. */
    @Column(name = "decided_by", nullable = false)
    public String decidedBy;

    /** The on-call evidence that allowed the approver (jsonb). */
    @JdbcTypeCode(SqlTypes.JSON)
    @Column(nullable = false, columnDefinition = "jsonb")
    public DecisionEvidence evidence;

    /** The shifts that allowed the approver, as stored: a JSON object (the reactive driver binds objects, not arrays). */
    public record DecisionEvidence(List<Evidence> shifts, List<String> unknownSchedules) {

        public DecisionEvidence(List<Evidence> shifts) {
            this(shifts, List.of());
        }

        public DecisionEvidence {
            shifts = shifts == null ? List.of() : List.copyOf(shifts);
            unknownSchedules = unknownSchedules == null ? List.of() : List.copyOf(unknownSchedules);
        }
    }
}
