package io.oncallapprover.incidentio;

import java.time.Instant;
import java.util.List;

import com.fasterxml.jackson.annotation.JsonIgnoreProperties;
import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonProperty;

import io.quarkus.runtime.annotations.RegisterForReflection;

/**
 * Wire types of the incident.io API, limited to the fields this service reads. Unknown fields are
 * ignored and enum-like values are kept as strings, so additions upstream never break parsing.
 */
public final class IncidentIoDtos {

    private IncidentIoDtos() {
    }

    @RegisterForReflection
    @JsonIgnoreProperties(ignoreUnknown = true)
    public record IdentityResponse(Identity identity) {
    }

    @RegisterForReflection
    @JsonIgnoreProperties(ignoreUnknown = true)
    public record Identity(
            String name,
            @JsonProperty("dashboard_url") String dashboardUrl,
            List<String> roles,
            @JsonProperty("team_roles") List<String> teamRoles) {
    }

    @RegisterForReflection
    @JsonIgnoreProperties(ignoreUnknown = true)
    public record PaginationMeta(
            String after,
            @JsonProperty("after_url") String afterUrl,
            @JsonProperty("page_size") Integer pageSize,
            @JsonProperty("total_record_count") Long totalRecordCount) {
    }

    /**
     * A schedule of the list ({@code GET /v2/schedules}): its {@code config} (rotations and
     * layers) and its {@code current_shifts}, the entries of its final rota that cover the instant
     * incident.io answered (the same shape as {@code schedule_entries}' entries). Both are optional.
     */
    @RegisterForReflection
    @JsonIgnoreProperties(ignoreUnknown = true)
    public record Schedule(String id, String name, String timezone, ScheduleConfig config,
            @JsonProperty("current_shifts") List<Entry> currentShifts) {

        public Schedule(String id, String name, String timezone, ScheduleConfig config) {
            this(id, name, timezone, config, null);
        }
    }

    @RegisterForReflection
    @JsonIgnoreProperties(ignoreUnknown = true)
    public record ScheduleConfig(List<ScheduleRotation> rotations) {
    }

    /** A version of a rotation: incident.io lists a rotation once per scheduled change, with the same id. */
    @RegisterForReflection
    @JsonIgnoreProperties(ignoreUnknown = true)
    public record ScheduleRotation(String id, String name, List<ScheduleLayer> layers) {
    }

    @RegisterForReflection
    @JsonIgnoreProperties(ignoreUnknown = true)
    public record ScheduleLayer(String id, String name) {
    }

    @RegisterForReflection
    @JsonIgnoreProperties(ignoreUnknown = true)
    public record SchedulesPage(
            List<Schedule> schedules,
            @JsonProperty("pagination_meta") PaginationMeta paginationMeta) {
    }

    @RegisterForReflection
    @JsonIgnoreProperties(ignoreUnknown = true)
    public record User(String id, String name, String email) {
    }

    @RegisterForReflection
    @JsonIgnoreProperties(ignoreUnknown = true)
    public record Entry(
            @JsonProperty("start_at") Instant startAt,
            @JsonProperty("end_at") Instant endAt,
            @JsonProperty("entry_id") String entryId,
            String fingerprint,
            @JsonProperty("rotation_id") String rotationId,
            @JsonProperty("layer_id") String layerId,
            User user) {
    }

    @RegisterForReflection
    @JsonIgnoreProperties(ignoreUnknown = true)
    public record ScheduleEntries(List<Entry> scheduled, List<Entry> overrides, @JsonProperty("final") List<Entry> finalEntries) {
    }

    @RegisterForReflection
    @JsonIgnoreProperties(ignoreUnknown = true)
    public record ScheduleEntriesPage(
            @JsonProperty("schedule_entries") ScheduleEntries scheduleEntries,
            @JsonProperty("pagination_meta") PaginationMeta paginationMeta) {
    }

    @RegisterForReflection
    @JsonIgnoreProperties(ignoreUnknown = true)
    public record CatalogType(String id, String name, @JsonProperty("type_name") String typeName) {
    }

    @RegisterForReflection
    @JsonIgnoreProperties(ignoreUnknown = true)
    public record CatalogTypesResponse(@JsonProperty("catalog_types") List<CatalogType> catalogTypes) {
    }

    @RegisterForReflection
    @JsonIgnoreProperties(ignoreUnknown = true)
    public record CustomField(
            String id,
            String name,
            @JsonProperty("field_type") String fieldType,
            @JsonProperty("catalog_type_id") String catalogTypeId) {
    }

    @RegisterForReflection
    @JsonIgnoreProperties(ignoreUnknown = true)
    public record CustomFieldsResponse(@JsonProperty("custom_fields") List<CustomField> customFields) {
    }

    @RegisterForReflection
    @JsonIgnoreProperties(ignoreUnknown = true)
    public record CustomFieldResponse(@JsonProperty("custom_field") CustomField customField) {
    }

    @RegisterForReflection
    @JsonInclude(JsonInclude.Include.NON_NULL)
    public record CreateCustomFieldRequest(
            String name,
            String description,
            @JsonProperty("field_type") String fieldType,
            @JsonProperty("catalog_type_id") String catalogTypeId) {
    }

    // --- severities and incident types ------------------------------------------------------------

    @RegisterForReflection
    @JsonIgnoreProperties(ignoreUnknown = true)
    public record Severity(String id, String name, Long rank) {
    }

    @RegisterForReflection
    @JsonIgnoreProperties(ignoreUnknown = true)
    public record SeveritiesResponse(List<Severity> severities) {
    }

    @RegisterForReflection
    @JsonIgnoreProperties(ignoreUnknown = true)
    public record IncidentType(
            String id,
            String name,
            @JsonProperty("is_default") Boolean isDefault,
            @JsonProperty("private_incidents_only") Boolean privateIncidentsOnly) {
    }

    @RegisterForReflection
    @JsonIgnoreProperties(ignoreUnknown = true)
    public record IncidentTypesResponse(@JsonProperty("incident_types") List<IncidentType> incidentTypes) {
    }

    // --- incidents -------------------------------------------------------------------------------

    @RegisterForReflection
    @JsonInclude(JsonInclude.Include.NON_NULL)
    public record CustomFieldValue(
            @JsonProperty("value_text") String valueText,
            @JsonProperty("value_catalog_entry_id") String valueCatalogEntryId) {

        public static CustomFieldValue text(String text) {
            return new CustomFieldValue(text, null);
        }

        public static CustomFieldValue catalogEntry(String id) {
            return new CustomFieldValue(null, id);
        }
    }

    @RegisterForReflection
    public record CustomFieldEntry(
            @JsonProperty("custom_field_id") String customFieldId,
            List<CustomFieldValue> values) {
    }

    @RegisterForReflection
    @JsonInclude(JsonInclude.Include.NON_NULL)
    public record CreateIncidentRequest(
            @JsonProperty("idempotency_key") String idempotencyKey,
            String visibility,
            String mode,
            String name,
            String summary,
            @JsonProperty("severity_id") String severityId,
            @JsonProperty("incident_type_id") String incidentTypeId,
            @JsonProperty("custom_field_entries") List<CustomFieldEntry> customFieldEntries) {
    }

    @RegisterForReflection
    @JsonInclude(JsonInclude.Include.NON_NULL)
    public record IncidentEdit(String summary) {
    }

    @RegisterForReflection
    public record EditIncidentRequest(
            @JsonProperty("notify_incident_channel") boolean notifyIncidentChannel,
            IncidentEdit incident) {
    }

    @RegisterForReflection
    @JsonIgnoreProperties(ignoreUnknown = true)
    public record IncidentStatus(String id, String name, String category) {
    }

    @RegisterForReflection
    @JsonIgnoreProperties(ignoreUnknown = true)
    public record Incident(
            String id,
            String reference,
            String name,
            String permalink,
            @JsonProperty("incident_status") IncidentStatus incidentStatus) {
    }

    @RegisterForReflection
    @JsonIgnoreProperties(ignoreUnknown = true)
    public record IncidentResponse(Incident incident) {
    }

    /** An escalation pages an escalation path or users directly, without an incident; a reused key returns the first one. */
    @RegisterForReflection
    @JsonInclude(JsonInclude.Include.NON_NULL)
    public record CreateEscalationRequest(
            @JsonProperty("idempotency_key") String idempotencyKey,
            String title,
            String description,
            @JsonProperty("escalation_path_id") String escalationPathId,
            @JsonProperty("user_ids") List<String> userIds) {
    }

    @RegisterForReflection
    @JsonIgnoreProperties(ignoreUnknown = true)
    public record Escalation(String id, String status, @JsonProperty("escalation_path_id") String escalationPathId) {
    }

    @RegisterForReflection
    @JsonIgnoreProperties(ignoreUnknown = true)
    public record EscalationResponse(Escalation escalation) {
    }

    @RegisterForReflection
    @JsonIgnoreProperties(ignoreUnknown = true)
    public record EscalationPath(String id, String name) {
    }

    @RegisterForReflection
    @JsonIgnoreProperties(ignoreUnknown = true)
    public record EscalationPathResponse(@JsonProperty("escalation_path") EscalationPath escalationPath) {
    }
}
