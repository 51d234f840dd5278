package io.oncallapprover.check;

import io.oncallapprover.approval.ApproverDecision;
import io.oncallapprover.approval.AutoApprovalDecision;
import io.oncallapprover.approval.Evidence;
import io.oncallapprover.approval.RuleRef;
import io.quarkus.runtime.annotations.RegisterForReflection;

/**
 * Registers the check answers (and the stored decision evidence) for reflection (JSON in a native
 * image, and jsonb columns) from here, so the pure
 * decision core that defines them carries no framework annotation.
 */
@RegisterForReflection(targets = { AutoApprovalDecision.class, ApproverDecision.class, Evidence.class, RuleRef.class,
        io.oncallapprover.request.AccessDecision.DecisionEvidence.class })
final class CheckAnswersReflection {

    private CheckAnswersReflection() {
    }
}
