package io.oncallapprover.installation;

/**
 * The incident settings an organization gets for what it did not set itself: the global
 * {@code oncall.incidents.*}, provided by the escalation package (which owns that configuration), so
 * that installation does not depend on escalation.
 */
@FunctionalInterface
public interface IncidentDefaults {

    IncidentSettings incidentDefaults();
}
