package io.oncallapprover.approval;


import java.time.Instant;
import java.util.List;

/**
 * The answer to "may this person approve (or deny) now?"; {@code rule} names the rule and step (and
 * the policy, frozen or current) that allowed or refused, when one did.
 */
public record ApproverDecision(
        boolean allowed,
        CheckCode code,
        String explanation,
        List<Evidence> evidence,
        Instant checkedAt,
        RuleRef rule) {

    public ApproverDecision {
        evidence = List.copyOf(evidence);
        if (allowed != (code == CheckCode.ON_CALL)) {
            throw new IllegalArgumentException("only ON_CALL allows");
        }
    }

    public ApproverDecision(boolean allowed, CheckCode code, String explanation, List<Evidence> evidence, Instant checkedAt) {
        this(allowed, code, explanation, evidence, checkedAt, null);
    }

    public static ApproverDecision refused(CheckCode code, String explanation, Instant checkedAt) {
        return new ApproverDecision(false, code, explanation, List.of(), checkedAt, null);
    }

    public static ApproverDecision refused(CheckCode code, String explanation, Instant checkedAt, RuleRef rule) {
        return new ApproverDecision(false, code, explanation, List.of(), checkedAt, rule);
    }
}
