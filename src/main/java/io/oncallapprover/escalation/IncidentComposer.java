package io.oncallapprover.escalation;

import io.oncallapprover.installation.IncidentSettings;

import java.time.Instant;
import java.util.List;

import io.oncallapprover.incidentio.IncidentIoDtos.CreateEscalationRequest;
import io.oncallapprover.incidentio.IncidentIoDtos.CreateIncidentRequest;
import io.oncallapprover.incidentio.IncidentIoDtos.CustomFieldEntry;
import io.oncallapprover.incidentio.IncidentIoDtos.CustomFieldValue;
import io.oncallapprover.incidentio.IncidentIoDtos.EditIncidentRequest;
import io.oncallapprover.incidentio.IncidentIoDtos.IncidentEdit;

/**
 * Pure composition of the incident.io bodies of an escalation: what the on-call team reads. No I/O,
 * so what is sent is tested exactly.
 */
public final class IncidentComposer {

    private static final int MAX_NAME = 200;

    private IncidentComposer() {
    }

    /** What an escalation incident is about. */
    public record Escalation(String requestId, String requester, String resourceType, String resourceService,
            String resourceName, String reason, String conversationUrl, List<String> approverSchedules,
            List<String> ruleNames) {
    }

    /**
     * The custom field tying the incident to the approver schedules: created at install, or an
     * existing one install found able to hold them (see {@code CustomFieldFit}).
     */
    public record ScheduleField(String id, String fieldType) {
    }

    /** The idempotency key of a request's incident: derived from the request id, so every retry reuses it. */
    public static String idempotencyKey(String requestId) {
        return "oncall-approver:access-request:" + requestId;
    }

    /** The create body: the organization's severity, type and mode, and the schedules in the form the field takes. */
    public static CreateIncidentRequest create(Escalation e, ScheduleField field, IncidentSettings settings) {
        return new CreateIncidentRequest(idempotencyKey(e.requestId()), "private", settings.mode(), name(e), summary(e),
                settings.severityId(), settings.incidentTypeId(), fieldEntries(e, field));
    }

    /**
     * The idempotency key of a request's {@code ordinal}-th escalation (a page without an incident):
     * derived from the request, so every retry, on any replica, sends the same and incident.io answers
     * with the escalation it already has.
     */
    public static String escalationKey(String requestId, int ordinal) {
        return idempotencyKey(requestId) + ":escalation:" + ordinal;
    }

    /**
     * An escalation paging without an incident: to {@code escalationPathId}, or (null) straight to
     * {@code userIds}. The title and description say what the incident would have said.
     */
    public static CreateEscalationRequest escalation(Escalation e, int ordinal, String escalationPathId, List<String> userIds) {
        if ((escalationPathId == null) == (userIds == null || userIds.isEmpty())) {
            throw new IllegalArgumentException("an escalation pages either an escalation path or users");
        }
        return new CreateEscalationRequest(escalationKey(e.requestId(), ordinal), name(e), summary(e), escalationPathId,
                escalationPathId == null ? List.copyOf(userIds) : null);
    }

    /** The summary after a decision: the original, then who decided what and when. The status is never touched. */
    public static EditIncidentRequest decided(Escalation e, String decision, String approver, Instant decidedAt,
            String comment, Instant grantExpiresAt, boolean notifyChannel) {
        StringBuilder summary = new StringBuilder(summary(e)).append("\n\n");
        summary.append("Decision: ").append("APPROVE".equals(decision) ? "APPROVED" : "DENIED")
                .append(" by ").append(approver).append(" at ").append(decidedAt).append('.');
        if (grantExpiresAt != null) {
            summary.append(" Access granted until ").append(grantExpiresAt).append('.');
        }
        if (comment != null && !comment.isBlank()) {
            summary.append("\nComment, as the approver wrote it:\n").append(quote(comment));
        }
        summary.append("\nThis incident is not closed automatically: resolve it when done.");
        return new EditIncidentRequest(notifyChannel, new IncidentEdit(summary.toString()));
    }

    /** The summary after the request was withdrawn: nobody needs to decide any more. The status is never touched. */
    public static EditIncidentRequest withdrawn(Escalation e, String by, Instant at, String comment, boolean notifyChannel) {
        StringBuilder summary = new StringBuilder(summary(e)).append("\n\n");
        summary.append("Withdrawn by ").append(by).append(" at ").append(at)
                .append(": nobody needs to decide any more.");
        if (comment != null && !comment.isBlank()) {
            summary.append("\nComment, as written:\n").append(quote(comment));
        }
        summary.append("\nThis incident is not closed automatically: resolve it when done.");
        return new EditIncidentRequest(notifyChannel, new IncidentEdit(summary.toString()));
    }

    static String name(Escalation e) {
        String name = "Access request: " + e.requester() + " → " + resource(e);
        return name.length() <= MAX_NAME ? name : name.substring(0, MAX_NAME - 1) + "…";
    }

    static String summary(Escalation e) {
        return e.requester() + " requests " + e.resourceType() + " access to " + resource(e) + ".\n"
                + (e.reason() == null || e.reason().isBlank() ? "Reason: (none given)\n"
                        : "Reason, as the requester wrote it:\n" + quote(e.reason()) + "\n")
                + "Approval conversation: " + (e.conversationUrl() == null ? "(none)" : e.conversationUrl()) + "\n"
                + "Who may approve: whoever is on call now for " + String.join(", ", e.approverSchedules())
                + " (rules: " + String.join(", ", e.ruleNames()) + ").\n"
                + "Access request " + e.requestId() + ".";
    }

    /**
     * Text a person wrote, quoted line by line ("> "), so that nothing in it can pass for a line of
     * ours (a forged "Decision: APPROVED"). Every Unicode line break counts ({@code \R}: also U+2028 and
     * U+2029, which renderers break lines at), not just the ones {@link String#lines()} knows.
     */
    static String quote(String text) {
        return java.util.Arrays.stream(text.strip().split("\\R", -1)).map(line -> "> " + line)
                .collect(java.util.stream.Collectors.joining("\n"));
    }

    private static String resource(Escalation e) {
        return e.resourceService() + "/" + e.resourceName();
    }

    /**
     * The approver schedules in the form the field's type takes: catalog entries of a select field
     * (backed by the Schedule catalog type; a single_select takes only the first), or one text. A
     * field of any other type (link, numeric, or a type added later) can hold none of it, so it is
     * left out rather than sent a value incident.io would refuse for ever; install refuses such
     * fields, so only an installation from before that check can have one. No schedules, no entry.
     */
    static List<CustomFieldEntry> fieldEntries(Escalation e, ScheduleField field) {
        List<String> schedules = e.approverSchedules();
        if (field == null || field.id() == null || schedules == null || schedules.isEmpty()) {
            return null;
        }
        List<CustomFieldValue> values = switch (field.fieldType() == null ? "" : field.fieldType()) {
            case "multi_select" -> schedules.stream().map(CustomFieldValue::catalogEntry).toList();
            case "single_select" -> List.of(CustomFieldValue.catalogEntry(schedules.get(0)));
            case "text" -> List.of(CustomFieldValue.text(String.join(", ", schedules)));
            default -> null;
        };
        return values == null ? null : List.of(new CustomFieldEntry(field.id(), values));
    }
}
