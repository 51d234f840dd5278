package io.oncallapprover.request;

import java.time.Instant;

import jakarta.persistence.Column;
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

    /** JSON of the on-call evidence that allowed the approver. */
    @Column(nullable = false)
    public String evidence;
}
