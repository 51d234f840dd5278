package io.oncallapprover.approval;

import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Optional;

import io.oncallapprover.oncall.OnCallSet;

/**
 * Pure auto-approval policy (PRODUCT §3.4): approved only when the requester is on call right now for
 * at least one auto-approval schedule and, if required, gave a non-blank reason. Anything else denies.
 */
public final class AutoApprovalRules {

    private AutoApprovalRules() {
    }

    /**
     * The decisions that need no on-call data: no schedules configured, or a missing required reason.
     * Empty means the on-call sets of {@code scheduleIds} must be fetched and {@link #decide} called.
     */
    public static Optional<AutoApprovalDecision> precheck(List<String> scheduleIds, boolean requireReason, String reason,
            Instant now) {
        if (scheduleIds == null || scheduleIds.isEmpty()) {
            return Optional.of(AutoApprovalDecision.denied(CheckCode.NO_SCHEDULES,
                    "Auto-approval has no schedules configured, so every request is denied.", now));
        }
        if (requireReason && (reason == null || reason.isBlank())) {
            return Optional.of(AutoApprovalDecision.denied(CheckCode.REASON_REQUIRED,
                    "Auto-approval requires a reason and none was given.", now));
        }
        return Optional.empty();
    }

    /** Decides from the on-call sets of every auto-approval schedule (all of them fetched successfully). */
    public static AutoApprovalDecision decide(String requester, boolean requireReason, String reason,
            List<String> scheduleIds, List<OnCallSet> onCallSets, Instant now, Duration grant) {
        Optional<AutoApprovalDecision> early = precheck(scheduleIds, requireReason, reason, now);
        if (early.isPresent()) {
            return early.get();
        }
        List<Evidence> evidence = Evidence.shiftsOf(requester, scheduleIds, onCallSets);
        if (evidence.isEmpty()) {
            return AutoApprovalDecision.denied(CheckCode.NOT_ON_CALL,
                    requester + " is not on call for any auto-approval schedule.", now);
        }
        Evidence first = evidence.get(0);
        return new AutoApprovalDecision(true, CheckCode.ON_CALL,
                requester + " is on call for schedule " + first.scheduleId() + " until " + first.shiftEnd()
                        + ", so the request is auto-approved for " + describe(grant) + ".",
                evidence, now, now.plus(grant));
    }

    private static String describe(Duration grant) {
        long minutes = grant.toMinutes();
        if (minutes % 60 == 0) {
            long hours = minutes / 60;
            return hours == 1 ? "one hour" : hours + " hours";
        }
        return minutes + " minutes";
    }
}
