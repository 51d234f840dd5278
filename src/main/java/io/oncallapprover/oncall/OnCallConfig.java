package io.oncallapprover.oncall;

import java.time.Duration;

import io.smallrye.config.ConfigMapping;
import io.smallrye.config.WithDefault;

/** On-call reads ({@code oncall.on-call.*}): how stale they may be and how long a caller waits for them. */
@ConfigMapping(prefix = "oncall.on-call")
public interface OnCallConfig {

    /** How long a schedule's fetched entries answer checks (the staleness bound). */
    @WithDefault("10s")
    Duration staleness();

    /**
     * End-to-end deadline of a check, decision or on-call view, from the moment the request arrived:
     * past it the caller gets 503 UPSTREAM_UNAVAILABLE, whatever incident.io does.
     */
    @WithDefault("2.5s")
    Duration deadline();

    /** Bound on cached schedules (all organizations). */
    @WithDefault("10000")
    int maxSchedules();
}
