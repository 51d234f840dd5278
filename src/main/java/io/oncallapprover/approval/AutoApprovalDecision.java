package io.oncallapprover.approval;


import java.time.Instant;
import java.util.List;

/**
 * The answer to "would this requester be auto-approved now?". {@code expiresAt} is set only when
 * approved; {@code rule} names the rule and step that approved or refused, when one did.
 */
public record AutoApprovalDecision(
        boolean approved,
        CheckCode code,
        String explanation,
        List<Evidence> evidence,
        Instant checkedAt,
        Instant expiresAt,
        RuleRef rule,
        List<String> unknownSchedules) {

    public AutoApprovalDecision {
        evidence = List.copyOf(evidence);
        unknownSchedules = unknownSchedules == null ? List.of() : List.copyOf(unknownSchedules);
        if (approved != (code == CheckCode.ON_CALL)) {
            throw new IllegalArgumentException("only ON_CALL approves");
        }
        if (approved && rule == null && !evidence.isEmpty() && evidence.get(0).rule() != null) {
            rule = new RuleRef(RuleRef.CURRENT, evidence.get(0).rule(), evidence.get(0).step());
        }
    }

    public AutoApprovalDecision(boolean approved, CheckCode code, String explanation, List<Evidence> evidence,
            Instant checkedAt, Instant expiresAt) {
        this(approved, code, explanation, evidence, checkedAt, expiresAt, null);
    }

    public AutoApprovalDecision(boolean approved, CheckCode code, String explanation, List<Evidence> evidence,
            Instant checkedAt, Instant expiresAt, RuleRef rule) {
        this(approved, code, explanation, evidence, checkedAt, expiresAt, rule, List.of());
    }

    /** The same decision, naming the schedules asked about that incident.io does not know (nobody on call for them). */
    public AutoApprovalDecision withUnknownSchedules(List<String> unknown) {
        if (unknown.isEmpty()) {
            return this;
        }
        return new AutoApprovalDecision(approved, code, explanation + Evidence.unknownNote(unknown), evidence, checkedAt,
                expiresAt, rule, unknown);
    }

    public static AutoApprovalDecision denied(CheckCode code, String explanation, Instant checkedAt) {
        return new AutoApprovalDecision(false, code, explanation, List.of(), checkedAt, null, null);
    }

    public static AutoApprovalDecision denied(CheckCode code, String explanation, Instant checkedAt, RuleRef rule) {
        return new AutoApprovalDecision(false, code, explanation, List.of(), checkedAt, null, rule);
    }

    /** The same decision, resting on {@code rule}. */
    public AutoApprovalDecision withRule(RuleRef rule) {
        return new AutoApprovalDecision(approved, code, explanation, evidence, checkedAt, expiresAt, rule, unknownSchedules);
    }
}
