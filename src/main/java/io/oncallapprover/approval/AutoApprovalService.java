package io.oncallapprover.approval;

import java.time.Clock;
import java.time.Duration;
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
import io.oncallapprover.problem.Upstream;
import io.quarkus.hibernate.reactive.panache.Panache;
import io.smallrye.mutiny.Uni;

/**
 * "Would this requester be auto-approved now?" Reads the installation, asks incident.io for every
 * auto-approval schedule at once and applies the pure {@link AutoApprovalRules}. Read-only: it only
 * logs and counts. Any incident.io failure fails closed with {@link CheckCode#UPSTREAM_UNAVAILABLE}.
 */
@ApplicationScoped
public class AutoApprovalService {

    private static final Logger LOG = Logger.getLogger(AutoApprovalService.class);

    /** PRODUCT §3.4: an auto-approved grant lasts one hour. */
    public static final Duration GRANT = Duration.ofHours(1);

    @Inject
    IntegrationService integrations;

    @Inject
    OnCallService onCall;

    @Inject
    Clock clock;

    @Inject
    MeterRegistry meters;

    /**
     * The decision. An incident.io failure fails the Uni with a 503 problem that carries the
     * fail-closed decision ({@code approved: false}) and how long to wait before retrying.
     */
    public Uni<AutoApprovalDecision> check(String orgId, String requester, String reason, boolean requireReason) {
        return Panache.withSession(() -> integrations.find(orgId))
                .flatMap(found -> {
                    Instant now = clock.instant();
                    if (found.isEmpty()) {
                        return Uni.createFrom().item(AutoApprovalDecision.denied(CheckCode.NOT_INSTALLED,
                                "incident.io is not installed for this organization, so nothing is auto-approved.", now));
                    }
                    Integration integration = found.get();
                    List<String> scheduleIds = integration.autoApprovalSchedules();
                    var early = AutoApprovalRules.precheck(scheduleIds, requireReason, reason, now);
                    if (early.isPresent()) {
                        return Uni.createFrom().item(early.get());
                    }
                    return onCall.onCallNow(orgId, integrations.keyOf(integration), scheduleIds)
                            .map(sets -> AutoApprovalRules.decide(requester, requireReason, reason, scheduleIds, sets,
                                    clock.instant(), GRANT))
                            .onFailure(IncidentIoException.class)
                            .transform(f -> failClosed(orgId, requester, (IncidentIoException) f));
                })
                .invoke(decision -> record(orgId, requester, decision));
    }

    private RuntimeException failClosed(String orgId, String requester, IncidentIoException e) {
        Instant now = clock.instant();
        AutoApprovalDecision decision = AutoApprovalDecision.denied(CheckCode.UPSTREAM_UNAVAILABLE,
                "incident.io could not be asked, so the request is not auto-approved; retry shortly.", now);
        record(orgId, requester, decision);
        LOG.warnf("auto-approval check for org %s failed closed: %s", orgId, e.getMessage());
        return Upstream.unavailable(e, Map.of(
                "approved", false,
                "explanation", decision.explanation(),
                "evidence", List.of(),
                "checkedAt", now.toString()));
    }

    private void record(String orgId, String requester, AutoApprovalDecision decision) {
        meters.counter("approval.checks", "kind", "auto", "code", decision.code().name()).increment();
        LOG.infof("auto-approval check org=%s requester=%s approved=%s code=%s", orgId, requester, decision.approved(),
                decision.code());
    }
}
