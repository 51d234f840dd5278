package io.oncallapprover.approval;

import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.Optional;

import jakarta.enterprise.context.ApplicationScoped;
import jakarta.inject.Inject;

import org.jboss.logging.Logger;

import io.oncallapprover.incidentio.IncidentIoException;
import io.oncallapprover.oncall.OnCallSet;
import io.oncallapprover.organization.OrgSnapshot;
import io.oncallapprover.organization.OrgSnapshots;
import io.oncallapprover.policy.PolicyEvaluator;
import io.oncallapprover.policy.PolicyEvaluator.Routing;
import io.oncallapprover.policy.RequestedResource;
import io.oncallapprover.problem.ApiException;
import io.oncallapprover.problem.Upstream;
import io.smallrye.mutiny.Uni;

/**
 * "Would this requester be auto-approved now?" — for chat bots, and for access requests at creation.
 * Routes the request through the policy in force (or default routing) of the organization's
 * in-memory snapshot (no database read when warm), then {@link OnCallCheck}
 * reads the auto-approval schedules the answer depends on in one round and {@link DecisionTable#auto}
 * decides. Read-only: it only logs and counts. Any incident.io failure fails closed with
 * {@link CheckCode#UPSTREAM_UNAVAILABLE}.
 */
@ApplicationScoped
public class AutoApprovalService {

    private static final Logger LOG = Logger.getLogger(AutoApprovalService.class);

    /** PRODUCT §3.4: an auto-approved grant lasts one hour. */
    public static final Duration GRANT = Duration.ofHours(1);

    /** A decision, and when it failed closed on incident.io, how long to wait before asking again. */
    public record Evaluation(AutoApprovalDecision decision, Duration retryAfter) {
    }

    @Inject
    OrgSnapshots snapshots;

    @Inject
    OnCallCheck check;

    @Inject
    Clock clock;


    /**
     * The check endpoint's answer. {@code resource} null considers every rule whose requestor matches.
     * An incident.io failure fails the Uni with a 503 problem carrying the fail-closed decision.
     */
    public Uni<AutoApprovalDecision> check(String orgId, String requester, String reason, RequestedResource resource) {
        return snapshots.of(orgId)
                .flatMap(org -> evaluate(org, requester, reason, PolicyEvaluator.route(org.policy(), requester, resource)))
                .map(evaluation -> {
                    AutoApprovalDecision decision = evaluation.decision();
                    if (decision.code() == CheckCode.UPSTREAM_UNAVAILABLE) {
                        throw failedClosed(decision, evaluation.retryAfter());
                    }
                    return decision;
                });
    }

    /** Evaluates auto-approval for a routing already computed; never fails, an outage is a decision. */
    public Uni<Evaluation> evaluate(OrgSnapshot org, String requester, String reason, Routing routing) {
        String orgId = org.orgId();
        Optional<OrgSnapshot.Installed> installation = org.installation();
        Instant now = clock.instant();
        Uni<Evaluation> result;
        if (installation.isEmpty()) {
            result = done(AutoApprovalDecision.denied(CheckCode.NOT_INSTALLED,
                    "incident.io is not installed for this organization, so nothing is auto-approved.", now));
        } else {
            List<String> schedules = installation.get().autoApprovalSchedules();
            List<String> toAsk = DecisionTable.autoSchedulesToAsk(routing, reason, schedules);
            result = check.decide(orgId, installation.get().key(), toAsk,
                    sets -> new Evaluation(DecisionTable.auto(routing, requester, reason, schedules, sets, clock.instant(), GRANT)
                            .withUnknownSchedules(OnCallSet.unknownOf(sets)), null))
                    .onFailure(IncidentIoException.class).recoverWithItem(f -> {
                        IncidentIoException e = (IncidentIoException) f;
                        LOG.warnf("auto-approval of %s in org %s failed closed: %s", requester, orgId, e.getMessage());
                        return new Evaluation(AutoApprovalDecision.denied(CheckCode.UPSTREAM_UNAVAILABLE,
                                "incident.io could not be asked, so the request is not auto-approved; retry shortly.",
                                clock.instant()), Upstream.retryAfter(e));
                    });
        }
        return result.invoke(evaluation -> record(orgId, requester, evaluation.decision()));
    }

    private static Uni<Evaluation> done(AutoApprovalDecision decision) {
        return Uni.createFrom().item(new Evaluation(decision, null));
    }

    static ApiException failedClosed(AutoApprovalDecision decision, Duration retryAfter) {
        return Upstream.unavailable("error, timeout or refusal", retryAfter, Map.of("approved", false,
                "explanation", decision.explanation(), "evidence", List.of(), "checkedAt", decision.checkedAt().toString()));
    }

    private void record(String orgId, String requester, AutoApprovalDecision decision) {
        check.record("auto", orgId, requester, decision.approved(), decision.code(), decision.rule());
    }
}
