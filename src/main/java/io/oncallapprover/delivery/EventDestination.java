package io.oncallapprover.delivery;

import java.time.Instant;
import java.util.List;
import java.util.UUID;

import jakarta.persistence.Column;
import jakarta.persistence.Entity;
import jakarta.persistence.Id;
import jakarta.persistence.Table;

import io.quarkus.hibernate.reactive.panache.PanacheEntityBase;

/**
 * Where an organization's request events are POSTed (see migration V13). The signing secret is only ever held
 * here sealed; the delivery state (cursor, attempts, lease) is written by {@link EventDelivery} with fenced
 * statements of its own, never through this entity.
 */
@Entity
@Table(name = "event_destination")
public class EventDestination extends PanacheEntityBase {

    @Id
    public UUID id;

    @Column(name = "org_id", nullable = false)
    public String orgId;

    @Column(nullable = false)
    public String url;

    /** The event types sent here (wire names); null: every type. */
    @Column(columnDefinition = "text[]")
    public String[] types;

    @Column(name = "secret_ciphertext", nullable = false)
    public String secretCiphertext;

    @Column(name = "secret_hint", nullable = false)
    public String secretHint;

    @Column(name = "created_at", nullable = false)
    public Instant createdAt;

    @Column(name = "created_by", nullable = false)
    public String createdBy;

    @Column(name = "delivered_seq", nullable = false)
    public long deliveredSeq;

    @Column(nullable = false)
    public int attempts;

    @Column(name = "next_attempt_at", nullable = false)
    public Instant nextAttemptAt;

    @Column(name = "last_success_at")
    public Instant lastSuccessAt;

    @Column(name = "last_failure_at")
    public Instant lastFailureAt;

    @Column(name = "last_failure")
    public String lastFailure;

    @Column(name = "given_up", nullable = false)
    public long givenUp;

    @Column(name = "last_given_up_at")
    public Instant lastGivenUpAt;

    /** The types as a list, null meaning every type. */
    public List<String> typeList() {
        return types == null ? null : List.of(types);
    }

    /** What the secret is sealed to: this organization and this destination, never another secret's context. */
    static String secretContext(String orgId, UUID id) {
        return orgId + "#event-destination:" + id;
    }

    @Override
    public String toString() {
        return "EventDestination[" + id + " of " + orgId + "]";
    }
}
