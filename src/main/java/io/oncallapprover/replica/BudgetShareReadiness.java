package io.oncallapprover.replica;

import jakarta.enterprise.context.ApplicationScoped;
import jakarta.inject.Inject;

import org.eclipse.microprofile.health.HealthCheck;
import org.eclipse.microprofile.health.HealthCheckResponse;
import org.eclipse.microprofile.health.Readiness;

import io.oncallapprover.incidentio.BudgetConfig;

/**
 * Ready only while this replica holds a share of the incident.io budget: a replica that has just
 * started (its share comes once the others have come down to theirs, within about a heartbeat) or
 * that lost its lease (the database out of reach) could ask incident.io nothing, so it takes no
 * traffic. Always up when the budget is switched off.
 */
@Readiness
@ApplicationScoped
public class BudgetShareReadiness implements HealthCheck {

    @Inject
    ReplicaLeases leases;

    @Inject
    BudgetConfig budget;

    @Override
    public HealthCheckResponse call() {
        double share = leases.share();
        return HealthCheckResponse.named("incident.io budget share").status(!budget.enabled() || share > 0)
                .withData("share", Double.toString(share)).withData("liveReplicas", leases.live()).build();
    }
}
