package io.oncallapprover.approval;

import io.quarkus.runtime.annotations.RegisterForReflection;

import java.time.Instant;
import java.util.List;

/** The answer to "would this requester be auto-approved now?". {@code expiresAt} is set only when approved. */
@RegisterForReflection
public record AutoApprovalDecision(
        boolean approved,
        CheckCode code,
        String explanation,
        List<Evidence> evidence,
        Instant checkedAt,
        Instant expiresAt) {

    public AutoApprovalDecision {
        evidence = List.copyOf(evidence);
        if (approved != (code == CheckCode.ON_CALL)) {
            throw new IllegalArgumentException("only ON_CALL approves");
        }
    }

    public static AutoApprovalDecision denied(CheckCode code, String explanation, Instant checkedAt) {
        return new AutoApprovalDecision(false, code, explanation, List.of(), checkedAt, null);
    }
}
