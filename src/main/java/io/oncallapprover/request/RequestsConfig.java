package io.oncallapprover.request;

import java.time.Duration;

import io.smallrye.config.ConfigMapping;
import io.smallrye.config.WithDefault;

/** Access-request settings ({@code oncall.requests.*}). */
@ConfigMapping(prefix = "oncall.requests")
public interface RequestsConfig {

    /** How long a request stays pending; past it, it reads EXPIRED and can no longer be decided or escalated. */
    @WithDefault("24h")
    Duration pendingTtl();

    /**
     * A request created while incident.io could not be asked is evaluated again after this, then
     * with exponential back-off (with jitter) up to {@link #reevaluateMaxBackoff()}, until incident.io
     * answers or the request is no longer pending.
     */
    @WithDefault("5s")
    Duration reevaluateFirst();

    @WithDefault("5m")
    Duration reevaluateMaxBackoff();

    /** How long a replica holds a request it is re-evaluating before another may take it. */
    @WithDefault("30s")
    Duration reevaluateLease();
}
