package io.oncallapprover.installation;

import java.time.Instant;
import java.util.List;

import jakarta.persistence.Column;
import jakarta.persistence.Entity;
import jakarta.persistence.Id;
import jakarta.persistence.Table;
import jakarta.persistence.Version;

import io.quarkus.hibernate.reactive.panache.PanacheEntityBase;

/**
 * An organization's incident.io installation. The API key is only ever held here encrypted;
 * {@link #toString()} is deliberately not generated from the fields.
 */
@Entity
@Table(name = "incidentio_integration")
public class Integration extends PanacheEntityBase {

    @Id
    @Column(name = "org_id")
    public String orgId;

    @Column(name = "api_key_ciphertext", nullable = false)
    public String apiKeyCiphertext;

    @Column(name = "api_key_hint", nullable = false)
    public String apiKeyHint;

    @Column(name = "identity_name", nullable = false)
    public String identityName;

    @Column(name = "identity_roles", nullable = false, columnDefinition = "text[]")
    public String[] identityRoles = new String[0];

    @Column(name = "custom_field_id", nullable = false)
    public String customFieldId;

    @Column(name = "custom_field_type", nullable = false)
    public String customFieldType;

    /** Ordered, without duplicates. Empty: auto-approval denies every request. */
    @Column(name = "auto_approval_schedule_ids", nullable = false, columnDefinition = "text[]")
    public String[] autoApprovalScheduleIds = new String[0];

    public List<String> autoApprovalSchedules() {
        return List.of(autoApprovalScheduleIds);
    }

    /** The entity tag of the auto-approval schedules (GET sends it; PUT honours If-Match). */
    public String autoApprovalTag() {
        return io.oncallapprover.problem.Preconditions.tagOf("auto-approval", String.join(",", autoApprovalScheduleIds));
    }

    /** The entity tag of the organization's incident settings (GET sends it; PUT honours If-Match). */
    public String incidentSettingsTag() {
        return io.oncallapprover.problem.Preconditions.tagOf("incident-settings", incidentSeverityId, incidentTypeId, incidentMode);
    }

    /** The organization's severity of escalation incidents; null: {@code oncall.incidents.severity-id}. */
    @Column(name = "incident_severity_id")
    public String incidentSeverityId;

    /** The organization's incident type of escalation incidents; null: {@code oncall.incidents.incident-type-id}. */
    @Column(name = "incident_type_id")
    public String incidentTypeId;

    /** {@code standard} or {@code test}; null: {@code oncall.incidents.mode}. */
    @Column(name = "incident_mode")
    public String incidentMode;

    /** The webhook signing secret, sealed like the API key (bound to the organization and to this use); null: none set. */
    @Column(name = "webhook_secret_ciphertext")
    public String webhookSecretCiphertext;

    @Column(name = "webhook_secret_hint")
    public String webhookSecretHint;

    /** Close a pending request as not approved when incident.io reports its escalation incident resolved or closed. */
    @Column(name = "close_on_incident_resolved", nullable = false)
    public boolean closeOnIncidentResolved;

    @Column(name = "installed_at", nullable = false)
    public Instant installedAt;

    @Column(name = "key_rotated_at", nullable = false)
    public Instant keyRotatedAt;

    @Column(name = "updated_at", nullable = false)
    public Instant updatedAt;

    @Version
    public long version;

    @Override
    public String toString() {
        return "Integration[orgId=" + orgId + ", keyHint=…" + apiKeyHint + "]";
    }
}
