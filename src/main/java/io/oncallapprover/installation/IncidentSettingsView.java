package io.oncallapprover.installation;

import java.time.Instant;
import java.util.ArrayList;
import java.util.List;

import org.eclipse.microprofile.openapi.annotations.media.Schema;

import io.quarkus.runtime.annotations.RegisterForReflection;

/**
 * The severity, incident type and mode the organization's escalation incidents are created with;
 * {@code fromDefaults} names the fields the organization did not set, taken from the global
 * {@code oncall.incidents.*} configuration.
 */
@RegisterForReflection
public record IncidentSettingsView(@Schema(nullable = true) String severityId, @Schema(nullable = true) String incidentTypeId,
        String mode, List<String> fromDefaults,
        Instant updatedAt) {

    public static IncidentSettingsView of(Integration i, IncidentDefaults defaults) {
        IncidentSettings effective = IncidentSettings.of(i, defaults.incidentDefaults());
        List<String> fromDefaults = new ArrayList<>();
        if (i.incidentSeverityId == null) {
            fromDefaults.add("severityId");
        }
        if (i.incidentTypeId == null) {
            fromDefaults.add("incidentTypeId");
        }
        if (i.incidentMode == null) {
            fromDefaults.add("mode");
        }
        return new IncidentSettingsView(effective.severityId(), effective.incidentTypeId(), effective.mode(),
                List.copyOf(fromDefaults), i.updatedAt);
    }
}
