package io.oncallapprover.problem;

/**
 * The catalogue of problem codes, each with its one title, so that a code never reaches a caller
 * under two titles. Published: never rename a code, only add one.
 */
public enum ProblemCode {

    VALIDATION_FAILED("Invalid request"),
    MALFORMED_BODY("Malformed request body"),
    UNAUTHENTICATED("Unauthenticated"),
    FORBIDDEN("Forbidden"),
    NOT_FOUND("Not found"),
    METHOD_NOT_ALLOWED("Method not allowed"),
    NOT_ACCEPTABLE("Not acceptable"),
    UNSUPPORTED_MEDIA_TYPE("Unsupported media type"),
    PAYLOAD_TOO_LARGE("Payload too large"),
    /** The resource was changed concurrently; the loser retries. */
    CONFLICT("Conflict"),
    /** Any other refusal of the HTTP layer; the status and detail say which. */
    REQUEST_REFUSED("Request refused"),
    INTERNAL_ERROR("Internal error"),
    NOT_INSTALLED("incident.io is not installed"),
    INVALID_API_KEY("Invalid API key"),
    MISSING_ROLES("API key lacks roles"),
    /** incident.io has a custom field of our name that cannot hold the approver schedules. */
    CUSTOM_FIELD_UNUSABLE("Custom field unusable"),
    UNKNOWN_SCHEDULES("Unknown schedules"),
    /** More schedules chosen than the service takes ({@code Ids.MAX_SCHEDULES}); the detail names the limit. */
    TOO_MANY_SCHEDULES("Too many schedules"),
    /** If-Match named no current tag of the document (412): nothing was written. */
    PRECONDITION_FAILED("Precondition failed"),
    /** An events cursor older than the oldest kept event (410). */
    CURSOR_EXPIRED("Cursor expired"),
    /** An event destination's URL is not https to a public address (nor a trusted host); errors[] names url. */
    DESTINATION_NOT_ALLOWED("Event destination not allowed"),
    /** The organization has as many event destinations as it may ({@code oncall.events.max-destinations}). */
    TOO_MANY_DESTINATIONS("Too many event destinations"),
    /** A policy step names a rotation or layer that the schedules it considers do not have; errors[] names which. */
    UNKNOWN_ROTATIONS("Unknown rotations or layers"),
    /** A policy step pages an escalation path incident.io does not know; errors[] names which. */
    UNKNOWN_ESCALATION_PATHS("Unknown escalation paths"),
    /** A severity or incident type the organization's incident.io does not know; errors[] names which. */
    UNKNOWN_INCIDENT_SETTINGS("Unknown incident settings"),
    /** incident.io refused a setup call for a reason other than the key (502). */
    UPSTREAM_REJECTED("incident.io refused the setup"),
    /** incident.io could not be asked: 503 with Retry-After; nothing was approved. */
    UPSTREAM_UNAVAILABLE("incident.io unavailable"),
    /** The database cannot be reached: 503 with Retry-After; nothing was changed. */
    DATABASE_UNAVAILABLE("Database unavailable"),
    NO_MATCHING_RULE("No matching rule"),
    REASON_REQUIRED("Reason required"),
    /** The request is no longer pending: it lapsed, or (approver check) was decided. */
    NOT_PENDING("Request not pending"),
    ALREADY_DECIDED("Already decided"),
    /** Only an active grant can be revoked (409). */
    NOT_APPROVED("Request not approved"),
    // Refusals of a decision, named as the approver check names them (approval.CheckCode).
    NOT_ON_CALL("Not on call"),
    NO_SCHEDULES("No approver schedules"),
    SELF_APPROVAL_NOT_ALLOWED("Self-approval not allowed"),
    /** A webhook delivery that could not be verified (signature, timestamp, no secret set): 401, nothing stored. */
    WEBHOOK_UNVERIFIED("Webhook delivery not verified"),
    /** An Idempotency-Key sent again with another request (body, method or path) within its retention (422). */
    IDEMPOTENCY_KEY_REUSED("Idempotency key reused"),
    /** A limit on inbound requests was reached (429 with Retry-After); the detail names the limit. Nothing was done. */
    TOO_MANY_REQUESTS("Too many requests");

    private static final String TYPE_PREFIX = "urn:oncall-approver:problem:";

    private final String title;

    ProblemCode(String title) {
        this.title = title;
    }

    public String title() {
        return title;
    }

    /** The problem's {@code type}: a URN per code, e.g. {@code urn:oncall-approver:problem:not-found}. */
    public String type() {
        return TYPE_PREFIX + name().toLowerCase(java.util.Locale.ROOT).replace('_', '-');
    }
}
