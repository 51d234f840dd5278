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

    /**
     * How long before its staleness bound a schedule's entries are fetched again in the background
     * (refresh ahead), so a check never waits for an expiry. The bound itself does not move.
     */
    @WithDefault("3s")
    Duration refreshAhead();

    /** A schedule nobody asked for in this long is no longer refreshed ahead; its entries just expire. */
    @WithDefault("5m")
    Duration refreshIdle();

    /**
     * Where "who is on call now" comes from: {@code list}, the account's schedule list with its current
     * shifts (one call per organization per refresh, whatever the number of schedules), or
     * {@code entries}, each schedule's entries (one call per schedule per refresh). A schedule the list
     * does not hold is always read from its entries.
     */
    @WithDefault("list")
    Source source();

    enum Source {
        LIST, ENTRIES
    }

    /** Bound on cached schedules (all organizations). */
    @WithDefault("10000")
    int maxSchedules();
}
