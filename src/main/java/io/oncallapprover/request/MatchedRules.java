package io.oncallapprover.request;

import io.oncallapprover.policy.AccessPolicy;
import io.oncallapprover.policy.PolicyDocument;
import io.oncallapprover.policy.PolicyEvaluator.Routing;
import io.oncallapprover.policy.PolicyParser;

/** The matched rules of a request, frozen at creation as a policy document of just those rules. */
public final class MatchedRules {

    private MatchedRules() {
    }

    public static String snapshot(Routing routing) {
        return PolicyDocument.toJson(new AccessPolicy(routing.matchedRules()));
    }

    public static Routing restore(String snapshot) {
        PolicyParser.Result parsed = PolicyParser.parse(PolicyDocument.read(snapshot, false));
        if (!parsed.valid()) {
            throw new IllegalStateException("stored rule snapshot no longer parses: " + parsed.errors());
        }
        return new Routing(parsed.policy().rules());
    }
}
