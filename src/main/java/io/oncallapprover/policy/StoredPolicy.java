package io.oncallapprover.policy;

import java.time.Instant;

import jakarta.persistence.Column;
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

    @Column(nullable = false)
    public String document;

    @Column(name = "updated_at", nullable = false)
    public Instant updatedAt;

    @Column(name = "updated_by", nullable = false)
    public String updatedBy;

    @Version
    public long version;
}
