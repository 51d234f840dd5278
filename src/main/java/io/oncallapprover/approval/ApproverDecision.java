package io.oncallapprover.approval;

import io.quarkus.runtime.annotations.RegisterForReflection;

import java.time.Instant;
import java.util.List;

/** The answer to "may this person approve (or deny) now?". */
@RegisterForReflection
public record ApproverDecision(
        boolean allowed,
        CheckCode code,
        String explanation,
        List<Evidence> evidence,
        Instant checkedAt) {

    public ApproverDecision {
        evidence = List.copyOf(evidence);
        if (allowed != (code == CheckCode.ON_CALL)) {
            throw new IllegalArgumentException("only ON_CALL allows");
        }
    }

    public static ApproverDecision refused(CheckCode code, String explanation, Instant checkedAt) {
        return new ApproverDecision(false, code, explanation, List.of(), checkedAt);
    }
}
