package io.oncallapprover.approval;

import java.time.Clock;
import java.time.Instant;
import java.util.List;
import java.util.Map;

import jakarta.enterprise.context.ApplicationScoped;
import jakarta.inject.Inject;

import org.jboss.logging.Logger;

import io.micrometer.core.instrument.MeterRegistry;
import io.oncallapprover.incidentio.IncidentIoException;
import io.oncallapprover.integration.Integration;
import io.oncallapprover.integration.IntegrationService;
import io.oncallapprover.oncall.OnCallService;
import io.oncallapprover.problem.ApiException;
import io.oncallapprover.problem.ProblemCodes;
import io.oncallapprover.problem.Upstream;
import io.smallrye.mutiny.Uni;

/**
 * "May this person approve now?" (PRODUCT §3.6): read-only, used by the check endpoint and before
 * every decision. An incident.io failure fails closed: a 503 problem, nobody is allowed.
 */
@ApplicationScoped
public class ApproverCheckService {

    private static final Logger LOG = Logger.getLogger(ApproverCheckService.class);

    @Inject
    IntegrationService integrations;

    @Inject
    OnCallService onCall;

    @Inject
    Clock clock;

    @Inject
    MeterRegistry meters;

    /**
     * Decides for an approver against approver schedules; {@code requester} null skips the
     * one-party rule (a check by schedule ids).
     */
    public Uni<ApproverDecision> check(String orgId, Integration integration, String approver, String requester,
            boolean allowOneParty, List<String> approverSchedules) {
        Instant now = clock.instant();
        var early = ApproverRules.precheck(approver, requester, allowOneParty, approverSchedules, now);
        Uni<ApproverDecision> decision = early.isPresent() ? Uni.createFrom().item(early.get())
                : onCall.onCallNow(orgId, integrations.keyOf(integration), approverSchedules)
                        .map(sets -> ApproverRules.decide(approver, approverSchedules, sets, clock.instant()))
                        .onFailure(IncidentIoException.class).transform(f -> failClosed(orgId, approver, (IncidentIoException) f));
        return decision.invoke(d -> {
            meters.counter("approval.checks", "kind", "approver", "code", d.code().name()).increment();
            LOG.infof("approver check org=%s approver=%s allowed=%s code=%s", orgId, approver, d.allowed(), d.code());
        });
    }

    public static ApiException notInstalled(String orgId, Instant now) {
        return new ApiException(404, ProblemCodes.NOT_INSTALLED, "incident.io is not installed",
                "Organization " + orgId + " has no incident.io integration, so nobody may approve.", List.of(), null,
                Map.of("allowed", false, "checkedAt", now.toString()));
    }

    private ApiException failClosed(String orgId, String approver, IncidentIoException e) {
        LOG.warnf("approver check of %s in org %s failed closed: %s", approver, orgId, e.getMessage());
        meters.counter("approval.checks", "kind", "approver", "code", CheckCode.UPSTREAM_UNAVAILABLE.name()).increment();
        return Upstream.unavailable(e, Map.of("allowed", false,
                "explanation", "incident.io could not be asked, so nobody may approve right now; retry shortly.",
                "evidence", List.of(), "checkedAt", clock.instant().toString()));
    }
}
