package io.oncallapprover.approval;

/** Machine-readable outcome of a check. Published names: never rename, only add. */
public enum CheckCode {
    ON_CALL,
    NOT_ON_CALL,
    NO_SCHEDULES,
    REASON_REQUIRED,
    SELF_APPROVAL_NOT_ALLOWED,
    NOT_INSTALLED,
    UPSTREAM_UNAVAILABLE,
    /** No enabled access-policy rule matching the request allows this path (auto-approval, escalation). */
    NO_MATCHING_RULE,
    /** The request is no longer pending (decided, or lapsed): nobody may decide it any more. */
    NOT_PENDING
}
