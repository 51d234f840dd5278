package io.oncallapprover.incidentio;

import java.time.Duration;

import io.smallrye.config.ConfigMapping;
import io.smallrye.config.WithDefault;

/** The per-key circuit breaker ({@code oncall.incidentio.breaker.*}); see {@link KeyCircuitBreaker}. */
@ConfigMapping(prefix = "oncall.incidentio.breaker")
public interface BreakerConfig {

    @WithDefault("true")
    boolean enabled();

    /** Failures in a row that say incident.io is down (timeouts, network, 502/503/504) before the breaker opens. */
    @WithDefault("5")
    int failureThreshold();

    /** How long an open breaker refuses calls before it lets one probe through. */
    @WithDefault("5s")
    Duration openFor();
}
