package io.oncallapprover.incidentio;

import io.smallrye.config.ConfigMapping;
import io.smallrye.config.WithDefault;

/**
 * The outgoing budget of each incident.io key ({@code oncall.incidentio.budget.*}); see {@link KeyBudgets}.
 * incident.io allows 1,200 requests a minute per key. With several replicas, each takes its share:
 * set {@code replicas} to their number.
 */
@ConfigMapping(prefix = "oncall.incidentio.budget")
public interface BudgetConfig {

    @WithDefault("true")
    boolean enabled();

    /** incident.io's limit per key and minute, shared by all replicas. */
    @WithDefault("1200")
    int perMinute();

    /**
     * Calls that may go at once after a quiet spell. The steady rate is what is left of the minute's
     * budget, {@code (perMinute - burst) / 60} per second, so no 60 s window exceeds {@code perMinute}.
     */
    @WithDefault("20")
    int burst();

    /** Replicas sharing the key: each takes {@code 1/replicas} of the burst and of the rate. */
    @WithDefault("1")
    int replicas();

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

    /** Escalation calls that may go at once after a quiet spell; the steady rate is what is left of the minute. */
    @WithDefault("5")
    int escalationsBurst();

    /** Concurrent calls of one fan-out (for example the schedule ids of a policy being validated). */
    @WithDefault("4")
    int fanOut();
}
