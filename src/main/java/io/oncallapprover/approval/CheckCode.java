package io.oncallapprover.approval;

import io.oncallapprover.problem.ProblemCode;

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
    NOT_PENDING;

    /** The problem code of a refusal for this reason (a decision or escalation refused): the same name. */
    public ProblemCode problemCode() {
        if (this == ON_CALL) {
            throw new IllegalStateException("ON_CALL is never a refusal");
        }
        return ProblemCode.valueOf(name());
    }
}
