package io.oncallapprover.request;

import java.time.Instant;
import java.util.List;

import jakarta.validation.Valid;
import jakarta.validation.constraints.Email;
import jakarta.validation.constraints.NotBlank;
import jakarta.validation.constraints.NotNull;
import jakarta.validation.constraints.Pattern;
import jakarta.validation.constraints.Size;

import org.eclipse.microprofile.openapi.annotations.media.Schema;

import io.oncallapprover.approval.AutoApprovalDecision;

import io.oncallapprover.approval.Evidence;
import io.oncallapprover.common.Ids;
import io.oncallapprover.request.AccessDecision.Kind;
import io.quarkus.runtime.annotations.RegisterForReflection;

/** Bodies and views of the access-request endpoints. */
public final class AccessRequestDtos {

    /** Names of resource types, services and resources: printable, no control characters. */
    public static final String NAME = "[A-Za-z0-9][A-Za-z0-9 _.:/@-]*";
    public static final String NAME_MESSAGE = "must start with a letter or digit and hold only letters, digits, spaces and _.:/@-";
    /** An https URL of printable ASCII: no spaces, controls or bidirectional overrides to disguise where it leads. */
    public static final String HTTPS_URL = "https://[A-Za-z0-9.-]+(:[0-9]{1,5})?(/[\\x21-\\x7E]*)?";

    private AccessRequestDtos() {
    }

    @RegisterForReflection
    public record ResourceRef(
            @NotBlank @Size(max = 100) @Pattern(regexp = NAME, message = NAME_MESSAGE) String type,
            @NotBlank @Size(max = 100) @Pattern(regexp = NAME, message = NAME_MESSAGE) String service,
            @NotBlank @Size(max = 200) @Pattern(regexp = NAME, message = NAME_MESSAGE) String name) {
    }

    @RegisterForReflection
    public record CreateAccessRequest(
            @NotBlank @Email(regexp = Ids.EMAIL, message = Ids.EMAIL_MESSAGE) @Size(max = 254) String requester,
            @NotNull @Valid ResourceRef resource,
            @Size(max = 2000) String reason,
            @Size(max = 2000) @Pattern(regexp = HTTPS_URL, message = "must be an https URL") String conversationUrl) {
    }

    @RegisterForReflection
    public record DecisionRequest(
            @NotBlank @Email(regexp = Ids.EMAIL, message = Ids.EMAIL_MESSAGE) @Size(max = 254) String approver,
            @NotNull Kind decision,
            @Size(max = 2000) String comment) {
    }

    /** Who ends a request early (revoke, withdraw), as the caller names them, and why. */
    @RegisterForReflection
    public record EndRequest(
            @NotBlank @Size(max = 254) String by,
            @Size(max = 2000) String comment) {
    }

    /** {@code page}: how the escalation paged, {@code incident} or {@code escalation} (null until escalated). */
    @RegisterForReflection
    public record EscalationView(boolean available, boolean reasonRequired, List<String> approverSchedules,
            boolean allowOneParty, @Schema(nullable = true) Instant escalatedAt, @Schema(nullable = true) String escalatedBy,
            @Schema(nullable = true, enumeration = { "incident", "escalation" }) String page) {
    }

    /**
     * An incident.io escalation of a request paged without an incident: whom it pages (an escalation
     * path, or the people on call for {@code schedules}, who were {@code userIds}), and what became of it
     * ({@code state}: PENDING, CREATED, FAILED, NOT_SENT, CANCELLED, CANCEL_FAILED); {@code status} is what incident.io
     * last reported of it through webhooks (pending, triggered, acked, resolved, cancelled, ...).
     */
    @RegisterForReflection
    public record PagedEscalationView(String state, @Schema(nullable = true) String escalationPathId, List<String> schedules,
            @Schema(nullable = true) String id, List<String> userIds, @Schema(nullable = true) String error,
            @Schema(nullable = true) String status) {

        static PagedEscalationView of(PageEscalation e) {
            return new PagedEscalationView(e.state.name(), e.escalationPathId,
                    e.sources.schedules().stream().map(io.oncallapprover.policy.PagedSchedule::scheduleId).distinct().toList(), e.escalationId,
                    e.userIds == null ? List.of() : List.of(e.userIds), e.error, e.incidentioStatus);
        }
    }

    /**
     * The escalation incident: {@code state} is ours (NONE, PENDING, CREATED, FAILED); {@code status} and
     * {@code closedAt} are what incident.io last reported of it through webhooks (its status category,
     * and when it was seen resolved or closed).
     */
    @RegisterForReflection
    public record IncidentView(String state, @Schema(nullable = true) String id, @Schema(nullable = true) String reference,
            @Schema(nullable = true) String url, @Schema(nullable = true) String error, @Schema(nullable = true) String status,
            @Schema(nullable = true) Instant closedAt) {

        static IncidentView of(AccessRequest r) {
            return new IncidentView(r.incidentState.name(), r.incidentId, r.incidentReference, r.incidentUrl, r.incidentError,
                    r.incidentStatus, r.incidentClosedAt);
        }
    }

    @RegisterForReflection
    public record DecisionView(String approver, String decision, @Schema(nullable = true) String comment, Instant decidedAt,
            String decidedBy,
            List<Evidence> evidence, List<String> unknownSchedules) {
    }

    @RegisterForReflection
    public record AuditEntry(String action, String subject, @Schema(nullable = true) String detail, Instant occurredAt) {
    }

    @RegisterForReflection
    public record AccessRequestView(
            String id,
            String status,
            String requester,
            ResourceRef resource,
            @Schema(nullable = true) String reason,
            @Schema(nullable = true) String conversationUrl,
            String requestedBy,
            Instant createdAt,
            Instant updatedAt,
            @Schema(nullable = true) Instant grantExpiresAt,
            List<String> matchedRules,
            AutoApprovalDecision autoApproval,
            EscalationView escalation,
            IncidentView incident,
            List<PagedEscalationView> escalations,
            List<DecisionView> decisions,
            List<AuditEntry> auditTrail,
            @Schema(nullable = true) String endedReason) {
    }

    /** A request in a listing: what {@code GET /access-requests/{id}} shows, without the decision and audit trail. */
    @RegisterForReflection
    public record AccessRequestSummary(
            String id,
            String status,
            String requester,
            ResourceRef resource,
            @Schema(nullable = true) String reason,
            String requestedBy,
            Instant createdAt,
            Instant updatedAt,
            @Schema(nullable = true) Instant grantExpiresAt,
            List<String> matchedRules,
            boolean autoApproved,
            IncidentView incident,
            @Schema(nullable = true) String endedReason) {
    }

    /** One page of a listing, newest first; {@code next} is the cursor of the following page (null: none). */
    @RegisterForReflection
    public record AccessRequestPage(List<AccessRequestSummary> requests, @Schema(nullable = true) String next) {
    }
}
