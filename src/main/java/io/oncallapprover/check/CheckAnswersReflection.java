package io.oncallapprover.check;

import io.oncallapprover.approval.ApproverDecision;
import io.oncallapprover.approval.AutoApprovalDecision;
import io.oncallapprover.approval.Evidence;
import io.oncallapprover.approval.RuleRef;
import io.quarkus.runtime.annotations.RegisterForReflection;

/**
 * Registers the check answers (and what is stored as jsonb: decision evidence, stored rules) for reflection (JSON in a native
 * image, and jsonb columns) from here, so the pure
 * decision core that defines them carries no framework annotation.
 */
@RegisterForReflection(targets = { AutoApprovalDecision.class, ApproverDecision.class, Evidence.class, RuleRef.class,
        io.oncallapprover.request.AccessDecision.DecisionEvidence.class, io.oncallapprover.policy.StoredRules.class,
        io.oncallapprover.policy.StoredRules.StoredRule.class, io.oncallapprover.policy.StoredRules.Matcher.class,
        io.oncallapprover.policy.StoredRules.Step.class, io.oncallapprover.policy.StoredRules.Options.class })
final class CheckAnswersReflection {

    private CheckAnswersReflection() {
    }
}
