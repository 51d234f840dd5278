package io.oncallapprover.policy;

import java.time.Instant;

import jakarta.persistence.Column;

import org.hibernate.annotations.JdbcTypeCode;
import org.hibernate.type.SqlTypes;
import jakarta.persistence.Entity;
import jakarta.persistence.Id;
import jakarta.persistence.Table;
import jakarta.persistence.Version;

import io.quarkus.hibernate.reactive.panache.PanacheEntityBase;

/** An organization's access policy as stored: the canonical JSON document. */
@Entity
@Table(name = "access_policy")
public class StoredPolicy extends PanacheEntityBase {

    @Id
    @Column(name = "org_id")
    public String orgId;

    /** The rules (jsonb, in the shape of the policy document). */
    @JdbcTypeCode(SqlTypes.JSON)
    @Column(nullable = false, columnDefinition = "jsonb")
    public StoredRules document;

    @Column(name = "updated_at", nullable = false)
    public Instant updatedAt;

    @Column(name = "updated_by", nullable = false)
    public String updatedBy;

    @Version
    public long version;
}
