package io.oncallapprover.approval;

import java.time.Instant;
import java.util.List;
import java.util.Optional;

import io.oncallapprover.oncall.Emails;
import io.oncallapprover.oncall.OnCallSet;

/**
 * Pure approver policy (PRODUCT §3.6): only someone on call now for one of the approver schedules
 * may decide; the requester only where a matching rule allows one party.
 */
public final class ApproverRules {

    private ApproverRules() {
    }

    /** Refusals that need no on-call data; empty means fetch the on-call sets and call {@link #decide}. */
    public static Optional<ApproverDecision> precheck(String approver, String requester, boolean allowOneParty,
            List<String> approverSchedules, Instant now) {
        if (requester != null && Emails.same(approver, requester) && !allowOneParty) {
            return Optional.of(ApproverDecision.refused(CheckCode.SELF_APPROVAL_NOT_ALLOWED,
                    approver + " made this request, and no matching rule allows one party to approve it.", now));
        }
        if (approverSchedules.isEmpty()) {
            return Optional.of(ApproverDecision.refused(CheckCode.NO_MATCHING_RULE,
                    "No matching escalation rule names approver schedules, so nobody may decide this request.", now));
        }
        return Optional.empty();
    }

    public static ApproverDecision decide(String approver, List<String> approverSchedules, List<OnCallSet> onCallSets,
            Instant now) {
        List<Evidence> evidence = Evidence.shiftsOf(approver, approverSchedules, onCallSets);
        if (evidence.isEmpty()) {
            return ApproverDecision.refused(CheckCode.NOT_ON_CALL,
                    Emails.normalize(approver) + " is not on call now for any of " + String.join(", ", approverSchedules) + ".",
                    now);
        }
        Evidence first = evidence.get(0);
        return new ApproverDecision(true, CheckCode.ON_CALL, Emails.normalize(approver) + " is on call for schedule "
                + first.scheduleId() + " until " + first.shiftEnd() + ", so they may decide.", evidence, now);
    }
}
