package io.oncallapprover.approval;

import io.quarkus.hibernate.reactive.panache.common.WithSession;
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
import io.oncallapprover.installation.Integration;
import io.oncallapprover.installation.IntegrationService;
import io.oncallapprover.policy.AccessPolicy;
import io.oncallapprover.policy.PolicyEvaluator;
import io.oncallapprover.policy.PolicyEvaluator.Routing;
import io.oncallapprover.policy.PolicyService;
import io.oncallapprover.policy.RequestedResource;
import io.oncallapprover.problem.ApiException;
import io.oncallapprover.problem.Upstream;
import io.smallrye.mutiny.Uni;

/**
 * "Would this requester be auto-approved now?" — for chat bots, and for access requests at creation.
 * Routes the request through the policy in force (or default routing), then {@link OnCallCheck}
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

    /** What a check reads from the database before asking incident.io. */
    public record Setup(Optional<Integration> integration, AccessPolicy policy) {
    }

    @Inject
    IntegrationService integrations;

    @Inject
    PolicyService policies;

    @Inject
    OnCallCheck check;

    @Inject
    Clock clock;


    /**
     * The check endpoint's answer. {@code resource} null considers every rule whose requestor matches.
     * An incident.io failure fails the Uni with a 503 problem carrying the fail-closed decision.
     */
    public Uni<AutoApprovalDecision> check(String orgId, String requester, String reason, RequestedResource resource) {
        return setup(orgId)
                .flatMap(setup -> evaluate(orgId, setup.integration(), requester, reason,
                        PolicyEvaluator.route(setup.policy(), requester, resource)))
                .map(evaluation -> {
                    AutoApprovalDecision decision = evaluation.decision();
                    if (decision.code() == CheckCode.UPSTREAM_UNAVAILABLE) {
                        throw failedClosed(decision, evaluation.retryAfter());
                    }
                    return decision;
                });
    }

    /** The installation and the policy of an organization, read in one session. */
    @WithSession
    @io.oncallapprover.common.DatabaseDeadline
    public Uni<Setup> setup(String orgId) {
        return integrations.find(orgId)
                .flatMap(integration -> policies.load(orgId).map(policy -> new Setup(integration, policy)));
    }

    /** Evaluates auto-approval for a routing already computed; never fails, an outage is a decision. */
    public Uni<Evaluation> evaluate(String orgId, Optional<Integration> integration, String requester, String reason,
            Routing routing) {
        Instant now = clock.instant();
        Uni<Evaluation> result;
        if (integration.isEmpty()) {
            result = done(AutoApprovalDecision.denied(CheckCode.NOT_INSTALLED,
                    "incident.io is not installed for this organization, so nothing is auto-approved.", now));
        } else {
            List<String> schedules = integration.get().autoApprovalSchedules();
            List<String> toAsk = DecisionTable.autoSchedulesToAsk(routing, reason, schedules);
            result = check.decide(orgId, integration.get(), toAsk,
                    sets -> new Evaluation(DecisionTable.auto(routing, requester, reason, schedules, sets, clock.instant(), GRANT),
                            null))
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
