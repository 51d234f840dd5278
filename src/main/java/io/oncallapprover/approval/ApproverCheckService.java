package io.oncallapprover.approval;

import java.time.Clock;
import java.util.List;
import java.util.Map;
import java.util.function.Function;

import jakarta.enterprise.context.ApplicationScoped;
import jakarta.inject.Inject;

import org.jboss.logging.Logger;

import io.oncallapprover.incidentio.IncidentIoException;
import io.oncallapprover.common.ApiKey;
import io.oncallapprover.oncall.OnCallSet;
import io.oncallapprover.policy.PolicyEvaluator.Routing;
import io.oncallapprover.problem.ApiException;
import io.oncallapprover.problem.Upstream;
import io.smallrye.mutiny.Uni;

/**
 * "May this person approve now?": read-only, used by the check endpoint and before every decision.
 * One concurrent round of on-call reads over the schedules the answer depends on, then the pure
 * {@link DecisionTable}. An incident.io failure fails closed: a 503 problem, nobody is allowed.
 */
@ApplicationScoped
public class ApproverCheckService {

    private static final Logger LOG = Logger.getLogger(ApproverCheckService.class);

    /**
     * A pending request as a decision sees it: who asked, why, the rules it matched when it was made
     * and the rules of the policy in force now that match it.
     */
    public record PendingRequest(String requester, String reason, Routing frozen, Routing current) {
    }


    @Inject
    OnCallCheck check;

    @Inject
    Clock clock;


    /** May {@code approver} decide {@code request}: allowed under both its frozen rules and the policy in force now. */
    public Uni<ApproverDecision> forRequest(String orgId, ApiKey key, String approver, PendingRequest request) {
        List<String> toAsk = DecisionTable.approverSchedulesToAsk(request.frozen(), request.current(), request.requester(),
                request.reason(), approver);
        return decide(orgId, key, approver, toAsk, sets -> DecisionTable.approver(request.frozen(), request.current(),
                request.requester(), request.reason(), approver, sets, clock.instant()));
    }

    /** Is {@code approver} on call now for one of {@code scheduleIds} (no request, no rule involved)? */
    public Uni<ApproverDecision> forSchedules(String orgId, ApiKey key, String approver, List<String> scheduleIds) {
        return decide(orgId, key, approver, scheduleIds,
                sets -> ApproverRules.decide(approver, scheduleIds, sets, clock.instant()));
    }

    private Uni<ApproverDecision> decide(String orgId, ApiKey key, String approver, List<String> toAsk,
            Function<List<OnCallSet>, ApproverDecision> rules) {
        return check.decide(orgId, key, toAsk, sets -> rules.apply(sets).withUnknownSchedules(OnCallSet.unknownOf(sets)))
                .onFailure(IncidentIoException.class).transform(f -> failClosed(orgId, approver, (IncidentIoException) f))
                .invoke(d -> check.record("approver", orgId, approver, d.allowed(), d.code(), d.rule()));
    }

    private ApiException failClosed(String orgId, String approver, IncidentIoException e) {
        LOG.warnf("approver check of %s in org %s failed closed: %s", approver, orgId, e.getMessage());
        check.record("approver", orgId, approver, false, CheckCode.UPSTREAM_UNAVAILABLE, null);
        return Upstream.unavailable(e, Map.of("allowed", false,
                "explanation", "incident.io could not be asked, so nobody may approve right now; retry shortly.",
                "evidence", List.of(), "checkedAt", clock.instant().toString()));
    }
}
