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
        RuleRef rule,
        List<String> unknownSchedules) {

    public ApproverDecision {
        evidence = List.copyOf(evidence);
        unknownSchedules = unknownSchedules == null ? List.of() : List.copyOf(unknownSchedules);
        if (allowed != (code == CheckCode.ON_CALL)) {
            throw new IllegalArgumentException("only ON_CALL allows");
        }
    }

    public ApproverDecision(boolean allowed, CheckCode code, String explanation, List<Evidence> evidence, Instant checkedAt) {
        this(allowed, code, explanation, evidence, checkedAt, null);
    }

    public ApproverDecision(boolean allowed, CheckCode code, String explanation, List<Evidence> evidence, Instant checkedAt,
            RuleRef rule) {
        this(allowed, code, explanation, evidence, checkedAt, rule, List.of());
    }

    /** The same decision, naming the schedules asked about that incident.io does not know (nobody on call for them). */
    public ApproverDecision withUnknownSchedules(List<String> unknown) {
        if (unknown.isEmpty()) {
            return this;
        }
        return new ApproverDecision(allowed, code, explanation + Evidence.unknownNote(unknown), evidence, checkedAt, rule,
                unknown);
    }

    public static ApproverDecision refused(CheckCode code, String explanation, Instant checkedAt) {
        return new ApproverDecision(false, code, explanation, List.of(), checkedAt, null);
    }

    public static ApproverDecision refused(CheckCode code, String explanation, Instant checkedAt, RuleRef rule) {
        return new ApproverDecision(false, code, explanation, List.of(), checkedAt, rule);
    }
}
