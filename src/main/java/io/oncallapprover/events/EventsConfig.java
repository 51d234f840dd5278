package io.oncallapprover.events;

import java.time.Duration;
import java.util.List;
import java.util.Optional;

import io.smallrye.config.ConfigMapping;
import io.smallrye.config.WithDefault;

/** Request events for integrators ({@code oncall.events.*}): the feed, and their delivery to destinations. */
@ConfigMapping(prefix = "oncall.events")
public interface EventsConfig {

    /** How long events are kept; a cursor older than the oldest kept event answers 410 CURSOR_EXPIRED. */
    @WithDefault("7d")
    Duration retention();

    /**
     * Hosts an operator trusts as event destinations (env {@code ONCALL_EVENTS_TRUSTED_HOSTS}, comma separated
     * host names or IP literals): they may also be reached over plain http and on private addresses, e.g. the
     * approval backend's in-cluster name. Every other destination must be https to a public address.
     */
    Optional<List<String>> trustedHosts();

    /** An event a destination did not accept is retried with back-off for this long after it happened, then given up. */
    @WithDefault("24h")
    Duration retryFor();

    /** The first wait after a failed delivery; it doubles with each failure, up to {@link #retryMaxWait()}. */
    @WithDefault("1s")
    Duration retryFirstWait();

    @WithDefault("10m")
    Duration retryMaxWait();

    /** How long one delivery may take (connect, send, answer); longer counts as a failure. */
    @WithDefault("10s")
    Duration deliveryTimeout();

    /**
     * How often each replica looks for destinations with events to deliver: {@code oncall.events.deliver-every}
     * (1s; {@code off} in tests, which deliver explicitly), read by the scheduler, not here.
     */
    Optional<String> deliverEvery();

    /** How long a replica owns a destination it delivers to (others wait for it to lapse after a crash). */
    @WithDefault("60s")
    Duration deliveryLease();

    /** Events delivered to one destination per turn, one after the other. */
    @WithDefault("100")
    int deliveryBatch();

    /** Destinations per organization. */
    @WithDefault("10")
    int maxDestinations();
}
