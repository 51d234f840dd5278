package io.oncallapprover.problem;

/** Stable {@code code} values of problem responses. Published: never rename, only add. */
public final class ProblemCodes {

    public static final String VALIDATION_FAILED = "VALIDATION_FAILED";
    public static final String MALFORMED_BODY = "MALFORMED_BODY";
    public static final String NOT_INSTALLED = "NOT_INSTALLED";
    public static final String INVALID_API_KEY = "INVALID_API_KEY";
    public static final String MISSING_ROLES = "MISSING_ROLES";
    public static final String UNKNOWN_SCHEDULES = "UNKNOWN_SCHEDULES";
    /** A policy step names a rotation or layer that the schedules it considers do not have; errors[] names which. */
    public static final String UNKNOWN_ROTATIONS = "UNKNOWN_ROTATIONS";
    public static final String UPSTREAM_UNAVAILABLE = "UPSTREAM_UNAVAILABLE";
    /** The database cannot be reached: 503 with Retry-After; nothing was changed. */
    public static final String DATABASE_UNAVAILABLE = "DATABASE_UNAVAILABLE";
    public static final String UPSTREAM_REJECTED = "UPSTREAM_REJECTED";
    public static final String NOT_FOUND = "NOT_FOUND";
    public static final String METHOD_NOT_ALLOWED = "METHOD_NOT_ALLOWED";
    public static final String UNSUPPORTED_MEDIA_TYPE = "UNSUPPORTED_MEDIA_TYPE";
    public static final String NOT_ACCEPTABLE = "NOT_ACCEPTABLE";
    public static final String PAYLOAD_TOO_LARGE = "PAYLOAD_TOO_LARGE";
    public static final String INTERNAL_ERROR = "INTERNAL_ERROR";
    public static final String UNAUTHENTICATED = "UNAUTHENTICATED";
    public static final String FORBIDDEN = "FORBIDDEN";
    public static final String CONFLICT = "CONFLICT";
    public static final String NO_MATCHING_RULE = "NO_MATCHING_RULE";
    public static final String NOT_PENDING = "NOT_PENDING";
    public static final String ALREADY_DECIDED = "ALREADY_DECIDED";
    public static final String REASON_REQUIRED = "REASON_REQUIRED";
    /** incident.io has a custom field of our name that cannot hold the approver schedules. */
    public static final String CUSTOM_FIELD_UNUSABLE = "CUSTOM_FIELD_UNUSABLE";
    /** A severity or incident type the organization's incident.io does not know; errors[] names which. */
    public static final String UNKNOWN_INCIDENT_SETTINGS = "UNKNOWN_INCIDENT_SETTINGS";

    /** A webhook delivery that could not be verified (signature, timestamp, no secret set): 401, nothing stored. */
    public static final String WEBHOOK_UNVERIFIED = "WEBHOOK_UNVERIFIED";

    private ProblemCodes() {
    }
}
