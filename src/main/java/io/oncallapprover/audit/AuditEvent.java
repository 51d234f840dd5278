package io.oncallapprover.audit;

import java.time.Instant;

import jakarta.persistence.Column;
import jakarta.persistence.Entity;
import jakarta.persistence.GeneratedValue;
import jakarta.persistence.GenerationType;
import jakarta.persistence.Id;
import jakarta.persistence.Table;

import io.quarkus.hibernate.reactive.panache.PanacheEntityBase;

/** One audited change. The detail never holds secrets. */
@Entity
@Table(name = "audit_event")
public class AuditEvent extends PanacheEntityBase {

    @Id
    @GeneratedValue(strategy = GenerationType.IDENTITY)
    public Long id;

    @Column(name = "org_id", nullable = false)
    public String orgId;

    /** Set when the event belongs to one access request's audit trail. */
    @Column(name = "request_id")
    public String requestId;

    @Column(nullable = false)
    public String action;

    @Column(nullable = false)
    public String subject;

    @Column
    public String detail;

    @Column(name = "occurred_at", nullable = false)
    public Instant occurredAt;
}
