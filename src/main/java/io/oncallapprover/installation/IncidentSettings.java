package io.oncallapprover.installation;

/**
 * The severity, incident type and mode an organization's escalation incidents are created with.
 * Null ids are left out of the create body (incident.io then applies its own defaults).
 */
public record IncidentSettings(String severityId, String incidentTypeId, String mode) {

    /** The modes an escalation incident may have: {@code test} keeps it out of incident.io's metrics. */
    public static final String MODES = "standard|test";

    /** The settings of an installed organization's escalation incidents, falling back to {@code defaults}. */
    public static IncidentSettings of(Integration integration, IncidentSettings defaults) {
        return effective(integration.incidentSeverityId, integration.incidentTypeId, integration.incidentMode, defaults);
    }

    /** An organization's own settings, each falling back to the global one where the organization set none. */
    public static IncidentSettings effective(String severityId, String incidentTypeId, String mode, IncidentSettings defaults) {
        return new IncidentSettings(severityId != null ? severityId : defaults.severityId(),
                incidentTypeId != null ? incidentTypeId : defaults.incidentTypeId(),
                mode != null ? mode : defaults.mode());
    }
}
