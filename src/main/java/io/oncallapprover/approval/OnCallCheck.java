package io.oncallapprover.approval;

import java.util.List;
import java.util.function.Function;

import jakarta.enterprise.context.ApplicationScoped;
import jakarta.inject.Inject;

import org.jboss.logging.Logger;

import io.micrometer.core.instrument.MeterRegistry;
import io.oncallapprover.common.ApiKey;
import io.oncallapprover.oncall.OnCallService;
import io.oncallapprover.oncall.OnCallSet;
import io.smallrye.mutiny.Uni;

/**
 * The one flow of every on-call check, auto-approval and approver alike: the rule set says which
 * schedules its answer depends on; those are read in one concurrent round (none when the answer is
 * known without them); the pure rule set decides in memory; the answer is counted and logged.
 * A failure of incident.io is left to the caller, who fails closed in its own terms.
 */
@ApplicationScoped
public class OnCallCheck {

    private static final Logger LOG = Logger.getLogger(OnCallCheck.class);

    @Inject
    OnCallService onCall;

    @Inject
    MeterRegistry meters;

    /** Reads the on-call sets of {@code toAsk} and applies {@code rules} to them. */
    public <D> Uni<D> decide(String orgId, ApiKey key, List<String> toAsk, Function<List<OnCallSet>, D> rules) {
        if (toAsk.isEmpty()) {
            return Uni.createFrom().item(() -> rules.apply(List.of()));
        }
        return onCall.onCallNow(orgId, key, toAsk).map(rules);
    }

    /** Counts ({@code approval_checks_total{kind, code}}) and logs an answer. */
    public void record(String kind, String orgId, String who, boolean yes, CheckCode code, RuleRef rule) {
        meters.counter("approval.checks", "kind", kind, "code", code.name()).increment();
        LOG.infof("%s check org=%s who=%s yes=%s code=%s rule=%s", kind, orgId, who, yes, code, rule);
    }
}
