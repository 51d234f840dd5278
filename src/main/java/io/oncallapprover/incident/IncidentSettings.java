package io.oncallapprover.incident;

import io.oncallapprover.integration.Integration;

/**
 * The severity, incident type and mode an organization's escalation incidents are created with.
 * Null ids are left out of the create body (incident.io then applies its own defaults).
 */
public record IncidentSettings(String severityId, String incidentTypeId, String mode) {

    /** The modes an escalation incident may have: {@code test} keeps it out of incident.io's metrics. */
    public static final String MODES = "standard|test";

    /** The global {@code oncall.incidents.*} settings: what an organization that set nothing gets. */
    public static IncidentSettings defaults(IncidentsConfig config) {
        return new IncidentSettings(config.severityId().orElse(null), config.incidentTypeId().orElse(null), config.mode());
    }

    /** The settings of an installed organization's escalation incidents. */
    public static IncidentSettings of(Integration integration, IncidentsConfig config) {
        return effective(integration.incidentSeverityId, integration.incidentTypeId, integration.incidentMode, config);
    }

    /** An organization's own settings, each falling back to the global one where the organization set none. */
    public static IncidentSettings effective(String severityId, String incidentTypeId, String mode, IncidentsConfig config) {
        IncidentSettings defaults = defaults(config);
        return new IncidentSettings(severityId != null ? severityId : defaults.severityId(),
                incidentTypeId != null ? incidentTypeId : defaults.incidentTypeId(),
                mode != null ? mode : defaults.mode());
    }
}
