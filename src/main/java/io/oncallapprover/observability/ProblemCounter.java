package io.oncallapprover.observability;

import jakarta.inject.Inject;
import jakarta.ws.rs.container.ContainerResponseContext;

import org.jboss.resteasy.reactive.server.ServerResponseFilter;

import io.micrometer.core.instrument.MeterRegistry;
import io.oncallapprover.problem.Problem;

/**
 * Counts every problem the API answers by its stable code ({@code api_problems_total{code, status}}): the ratio of
 * {@code UPSTREAM_UNAVAILABLE} among checks and a spike of {@code WEBHOOK_UNVERIFIED} are alerts. The code comes
 * from the one catalogue, so the label's values are bounded.
 */
public class ProblemCounter {

    @Inject
    MeterRegistry meters;

    @ServerResponseFilter
    public void count(ContainerResponseContext response) {
        if (response.getEntity() instanceof Problem problem && problem.code() != null) {
            meters.counter("api.problems", "code", problem.code().name(), "status", Integer.toString(response.getStatus()))
                    .increment();
        }
    }
}
