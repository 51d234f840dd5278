package io.oncallapprover.escalation;

import java.time.Duration;
import java.util.Optional;

import io.smallrye.config.ConfigMapping;
import io.smallrye.config.WithDefault;

/** How escalation incidents are created and edited, and how the outbox retries. */
@ConfigMapping(prefix = "oncall.incidents")
public interface EscalationConfig {

    /** incident.io mode of escalation incidents: standard, or test to keep them out of metrics. */
    @WithDefault("standard")
    String mode();

    /** Severity to set, for organizations whose incident.io demands one. */
    Optional<String> severityId();

    /** Incident type to set, e.g. a dedicated "Access request" type. */
    Optional<String> incidentTypeId();

    /** Whether the summary edit after a decision notifies the incident channel. */
    @WithDefault("false")
    boolean notifyIncidentChannel();

    /** Attempts of one outbox task before it is marked FAILED. */
    @WithDefault("8")
    int maxAttempts();

    /** First retry delay; doubles each attempt, with jitter, up to {@link #maxBackoff()}. */
    @WithDefault("2s")
    Duration backoff();

    @WithDefault("5m")
    Duration maxBackoff();

    /** How long a worker holds a task; a crashed worker's task is taken again after it. */
    @WithDefault("60s")
    Duration lease();

    /** On shutdown, how long the worker waits for the incident.io call in flight before releasing its leases. */
    @WithDefault("10s")
    Duration shutdownWait();

    /** Tasks claimed per poll. */
    @WithDefault("10")
    int batchSize();
}
