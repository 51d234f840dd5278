package io.oncallapprover.webhook;

import java.util.ArrayList;
import java.util.List;

import com.fasterxml.jackson.databind.JsonNode;

/**
 * The events of an incident.io webhook delivery this service acts on, read from its JSON body
 * ({@code event_type}, and the object named after it). Pure: no I/O.
 */
public sealed interface IncidentIoEvent {

    String SHIFT_CHANGE = "schedule.shift_change_v1";
    String SCHEDULE_UPDATED = "schedule.updated_v1";
    String PUBLIC_INCIDENT_STATUS = "public_incident.incident_status_updated_v2";
    String PRIVATE_INCIDENT_UPDATED = "private_incident.incident_updated_v2";
    String PUBLIC_ESCALATION_STATUS = "public_escalation.escalation_status_updated_v1";
    String PRIVATE_ESCALATION_STATUS = "private_escalation.escalation_status_updated_v1";

    /** The on-call users of a schedule changed; {@code currentEmails} are who is on call now. */
    record ShiftChange(String scheduleId, List<String> currentEmails) implements IncidentIoEvent {
    }

    /** A schedule's configuration changed. */
    record ScheduleUpdated(String scheduleId) implements IncidentIoEvent {
    }

    /** An incident's status changed; {@code category} is incident.io's status category (live, closed, ...). */
    record IncidentStatus(String incidentId, String category) implements IncidentIoEvent {
    }

    /** A private incident changed: the event names only its id, the incident must be fetched. */
    record IncidentUpdated(String incidentId) implements IncidentIoEvent {
    }

    /** An escalation's status changed ({@code status}: pending, triggered, acked, resolved, cancelled, ...). */
    record EscalationStatus(String escalationId, String status) implements IncidentIoEvent {
    }

    /** A private escalation's status changed: the event names only its id, the escalation must be fetched. */
    record EscalationUpdated(String escalationId) implements IncidentIoEvent {
    }

    /** An event this service does not act on; acknowledged and recorded. */
    record Other(String eventType) implements IncidentIoEvent {
    }

    /** A known event type without what it must carry. */
    record Malformed(String eventType, String problem) implements IncidentIoEvent {
    }

    /** The event type of a body, or null when there is none. */
    static String typeOf(JsonNode body) {
        JsonNode type = body == null ? null : body.get("event_type");
        return type != null && type.isTextual() && !type.asText().isBlank() ? type.asText() : null;
    }

    static IncidentIoEvent of(JsonNode body) {
        String type = typeOf(body);
        JsonNode data = body.path(type);
        return switch (type) {
            case SHIFT_CHANGE -> {
                String schedule = text(data.path("schedule").path("id"));
                JsonNode users = data.get("current_users");
                if (schedule == null || users == null || !users.isArray()) {
                    yield new Malformed(type, "needs schedule.id and current_users");
                }
                List<String> emails = new ArrayList<>();
                users.forEach(u -> {
                    String email = text(u.path("email"));
                    if (email != null) {
                        emails.add(email);
                    }
                });
                yield new ShiftChange(schedule, List.copyOf(emails));
            }
            case SCHEDULE_UPDATED -> {
                String schedule = text(data.path("id"));
                yield schedule == null ? new Malformed(type, "needs id") : new ScheduleUpdated(schedule);
            }
            case PUBLIC_INCIDENT_STATUS -> {
                JsonNode incident = data.path("incident");
                String id = text(incident.path("id"));
                String category = text(incident.path("incident_status").path("category"));
                yield id == null || category == null ? new Malformed(type, "needs incident.id and incident.incident_status.category")
                        : new IncidentStatus(id, category);
            }
            case PRIVATE_INCIDENT_UPDATED -> {
                String id = text(data.path("id"));
                yield id == null ? new Malformed(type, "needs id") : new IncidentUpdated(id);
            }
            case PUBLIC_ESCALATION_STATUS -> {
                String id = text(data.path("escalation").path("id"));
                String status = text(data.path("new_status"));
                yield id == null || status == null ? new Malformed(type, "needs escalation.id and new_status")
                        : new EscalationStatus(id, status);
            }
            case PRIVATE_ESCALATION_STATUS -> {
                String id = text(data.path("id"));
                yield id == null ? new Malformed(type, "needs id") : new EscalationUpdated(id);
            }
            default -> new Other(type);
        };
    }

    private static String text(JsonNode node) {
        return node != null && node.isTextual() && !node.asText().isBlank() ? node.asText() : null;
    }
}
