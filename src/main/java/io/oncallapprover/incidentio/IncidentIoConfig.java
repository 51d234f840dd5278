package io.oncallapprover.incidentio;

import java.time.Duration;

import io.smallrye.config.ConfigMapping;
import io.smallrye.config.WithDefault;

/** How this service talks to incident.io. The base URL is {@code quarkus.rest-client.incidentio.url}. */
@ConfigMapping(prefix = "oncall.incidentio")
public interface IncidentIoConfig {

    /**
     * Deadline of one HTTP attempt of a read. Short enough that a retry fits inside a check's
     * deadline ({@code oncall.on-call.deadline}, 2.5 s).
     */
    @WithDefault("1s")
    Duration requestTimeout();

    /**
     * Longest time all attempts of one read may take together: no retry starts that could not end
     * within it. Below a check's deadline, so a failure is known (and counted by the circuit
     * breaker) before the caller gives up.
     */
    @WithDefault("2300ms")
    Duration readBudget();

    /** Deadline of one HTTP attempt of a write (incident create and edit, custom field); run in the background. */
    @WithDefault("5s")
    Duration writeTimeout();

    /** Attempts per call, the first included, for retryable failures (429, 5xx, timeouts, network). */
    @WithDefault("3")
    int maxAttempts();

    /** First back-off after a 5xx or network failure; doubles each attempt, with jitter. */
    @WithDefault("200ms")
    Duration backoff();

    /**
     * Longest {@code Retry-After} waited in line. A longer one fails the call at once (fail closed)
     * and is passed on to our caller as its own {@code Retry-After}.
     */
    @WithDefault("2s")
    Duration maxRetryWait();

    /** Page size for list endpoints. */
    @WithDefault("100")
    int pageSize();

    /**
     * Page size of the schedule list ({@code GET /v2/schedules}; incident.io allows up to 10,000): one
     * call lists a whole account, with every schedule's configuration and current shifts.
     */
    @WithDefault("10000")
    int schedulePageSize();

    /**
     * Deadline of one attempt of a schedule-list page: a page of thousands of schedules takes longer than
     * one schedule's entries. Still below a check's deadline.
     */
    @WithDefault("2s")
    Duration listTimeout();

    /** Safety bound on pages followed for one list; more means a malformed or looping answer. */
    @WithDefault("50")
    int maxPages();

    /** Width of the window asked of /v2/schedule_entries, starting at the instant checked. */
    @WithDefault("1m")
    Duration entryWindow();

    /** Name of the custom field, created at install, that ties escalation incidents to approver schedules. */
    @WithDefault("On-call approver schedules")
    String customFieldName();

    /** Name of incident.io's built-in catalog type whose entries are the schedules. */
    @WithDefault("Schedule")
    String scheduleCatalogTypeName();
}
