package io.oncallapprover.escalation;

import jakarta.enterprise.inject.Produces;
import jakarta.inject.Singleton;

import io.oncallapprover.installation.IncidentDefaults;
import io.oncallapprover.installation.IncidentSettings;

/** Offers the global {@code oncall.incidents.*} settings to installation as {@link IncidentDefaults}. */
public class IncidentDefaultsProducer {

    @Produces
    @Singleton
    IncidentDefaults incidentDefaults(EscalationConfig config) {
        return () -> from(config);
    }

    /** The global settings: what an organization that set nothing gets. */
    public static IncidentSettings from(EscalationConfig config) {
        return new IncidentSettings(config.severityId().orElse(null), config.incidentTypeId().orElse(null), config.mode());
    }
}
