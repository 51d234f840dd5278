package io.oncallapprover.webhook;

import java.time.Duration;

import io.smallrye.config.ConfigMapping;
import io.smallrye.config.WithDefault;

/** Receiving incident.io webhooks ({@code oncall.webhooks.*}). */
@ConfigMapping(prefix = "oncall.webhooks")
public interface WebhookConfig {

    /** How far a delivery's timestamp may be from now, either way (Standard Webhooks: 5 minutes). */
    @WithDefault("5m")
    Duration tolerance();

    /**
     * The largest body accepted, in bytes; larger deliveries answer 413 and nothing is stored. The
     * global {@code quarkus.http.limits.max-body-size} bounds it too.
     */
    @WithDefault("65536")
    int maxBodyBytes();

    /** Whether a delivery is worked on at once after it is stored; else only by the poll ({@code oncall.jobs.webhooks-every}). */
    @WithDefault("true")
    boolean processOnReceipt();

    /** How long a replica holds a claimed delivery before another may take it (a crashed worker's delivery is taken again). */
    @WithDefault("30s")
    Duration lease();

    /** Deliveries claimed at once. */
    @WithDefault("20")
    int batch();

    /** Attempts before a delivery is given up (FAILED); failures back off exponentially with jitter. */
    @WithDefault("12")
    int maxAttempts();

    @WithDefault("2s")
    Duration backoff();

    @WithDefault("10m")
    Duration maxBackoff();

    /** How long deliveries are kept, so a repeat of an id is recognised: longer than incident.io retries (24 h). */
    @WithDefault("72h")
    Duration retention();

    /** The per-organization limit on verified deliveries ({@code oncall.webhooks.limit.*}). */
    Limit limit();

    /**
     * Refused deliveries are logged at most once per organization per this window; the line counts the ones
     * refused since the last line that were not logged.
     */
    @WithDefault("1m")
    Duration refusalLogEvery();

    /**
     * A token bucket per organization and replica, taken by every delivery whose signature holds (refused ones
     * cost no token, so a forger cannot spend an organization's limit): {@link #burst()} deep, refilled at
     * {@link #perMinute()}. Past it: 429 {@code TOO_MANY_REQUESTS} with Retry-After, nothing stored; incident.io
     * retries the delivery later. The defaults are far above what incident.io sends an organization (a delivery per
     * shift change, schedule edit or incident update), so only a runaway sender or a replay of captured deliveries
     * meets them.
     */
    interface Limit {

        @WithDefault("600")
        int burst();

        @WithDefault("600")
        int perMinute();
    }
}
