package io.oncallapprover.incidentio;

import io.smallrye.config.ConfigMapping;
import io.smallrye.config.WithDefault;

/**
 * The outgoing budget of each incident.io key ({@code oncall.incidentio.budget.*}); see {@link KeyBudgets}.
 * incident.io documents its limit as a token bucket per key: 1,200 deep, refilled at 1,200 a minute
 * (20/s). The replicas divide it among themselves through the database ({@link BudgetShare}): no
 * replica count is configured.
 */
@ConfigMapping(prefix = "oncall.incidentio.budget")
public interface BudgetConfig {

    @WithDefault("true")
    boolean enabled();

    /** incident.io's limit per key and minute, shared by all replicas. */
    @WithDefault("1200")
    int perMinute();

    /**
     * The depth of the key's bucket: calls that may go at once after a quiet spell. It refills at
     * {@code perMinute / 60} per second. Each replica holds its share of both.
     */
    @WithDefault("1200")
    int burst();

    /** Calls of one key in flight at once (a bulkhead): one organization cannot take every connection. */
    @WithDefault("8")
    int maxConcurrent();

    /** Interactive callers that may wait for a free slot of the bulkhead; more are refused at once. */
    @WithDefault("64")
    int maxWaiting();

    /**
     * incident.io's lower limit on escalation calls (create and cancel) per key and minute, shared by all replicas.
     * These calls take a token of this budget as well as of the general one.
     */
    @WithDefault("60")
    int escalationsPerMinute();

    /** Escalation calls that may go at once after a quiet spell; refilled at {@code escalationsPerMinute / 60} per second. */
    @WithDefault("5")
    int escalationsBurst();

    /** Concurrent calls of one fan-out (for example the schedule ids of a policy being validated). */
    @WithDefault("4")
    int fanOut();
}
