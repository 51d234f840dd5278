package io.oncallapprover.audit;

/** Audited actions. Published names: never rename, only add. */
public enum AuditAction {
    INTEGRATION_INSTALLED,
    INTEGRATION_KEY_ROTATED,
    INTEGRATION_REFRESHED,
    INTEGRATION_UNINSTALLED,
    AUTO_APPROVAL_SCHEDULES_CHANGED,
    /** The severity, incident type or mode of the organization's escalation incidents was set. */
    INCIDENT_SETTINGS_CHANGED,
    SECRET_REENCRYPTED,
    POLICY_CHANGED,
    /** The stored policy was deleted: the organization is back on default routing. */
    POLICY_DELETED,
    REQUEST_CREATED,
    REQUEST_AUTO_APPROVED,
    REQUEST_ESCALATED,
    INCIDENT_CREATED,
    INCIDENT_CREATE_FAILED,
    INCIDENT_UPDATED,
    INCIDENT_UPDATE_FAILED,
    DECISION_REFUSED,
    REQUEST_APPROVED,
    REQUEST_DENIED,
    REQUEST_EXPIRED,
    /** The webhook signing secret or the incident-resolution setting was set or removed. */
    WEBHOOK_SETTINGS_CHANGED,
    /** A shift change showed the requester no longer on call for any schedule that justified the grant: it ended. */
    GRANT_ENDED_BY_SHIFT_CHANGE,
    /** An active grant ended early ({@code POST /access-requests/{id}/revoke}). */
    GRANT_REVOKED,
    /** A pending request given up ({@code POST /access-requests/{id}/withdraw}); its page stops. */
    REQUEST_WITHDRAWN,
    /** incident.io reported the request's escalation incident resolved or closed. */
    INCIDENT_RESOLVED,
    /** A request created while incident.io could not be asked was evaluated again. */
    REQUEST_REEVALUATED,
    /** An incident.io escalation of the request (a page without an incident) was created. */
    ESCALATION_CREATED,
    ESCALATION_CREATE_FAILED,
    /** An escalation of the request was cancelled, or found never sent, after the request ended. */
    ESCALATION_CANCELLED,
    ESCALATION_CANCEL_FAILED,
    /** incident.io reported an escalation of the request resolved or cancelled there. */
    ESCALATION_RESOLVED,
    /** An event destination was registered (its URL and types in the detail, never its secret). */
    EVENT_DESTINATION_ADDED,
    EVENT_DESTINATION_REMOVED
}
