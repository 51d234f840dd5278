package io.oncallapprover.request;

import io.oncallapprover.policy.AccessPolicy;
import io.oncallapprover.policy.PolicyEvaluator.Routing;
import io.oncallapprover.policy.StoredRules;

/** The matched rules of a request, frozen at creation in the stored shape of the policy document. */
public final class MatchedRules {

    private MatchedRules() {
    }

    public static StoredRules snapshot(Routing routing) {
        return StoredRules.of(new AccessPolicy(routing.matchedRules()));
    }

    public static Routing restore(StoredRules snapshot) {
        return new Routing(snapshot.toPolicy().rules());
    }
}
