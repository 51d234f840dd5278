package io.oncallapprover.approval;

import java.time.Instant;
import java.util.List;

import io.oncallapprover.common.Emails;
import io.oncallapprover.oncall.OnCallSet;

/**
 * "Is this person on call now for one of these schedules?": the approver check by schedule ids,
 * where no request and no rule is involved. Decisions about a request go through {@link DecisionTable}.
 */
public final class ApproverRules {

    private ApproverRules() {
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
