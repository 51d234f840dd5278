package io.oncallapprover.webhook;

import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;

import jakarta.enterprise.context.ApplicationScoped;
import jakarta.inject.Inject;

import io.oncallapprover.incidentio.TokenBucket;

/**
 * The per-organization limit on verified webhook deliveries ({@link WebhookConfig.Limit}): one token bucket per
 * organization on this replica. Only organizations whose delivery was verified get a bucket, so the map holds at
 * most the installed organizations. Time is the injected clock's.
 */
@ApplicationScoped
public class DeliveryLimits {

    @Inject
    WebhookConfig config;

    @Inject
    Clock clock;

    private final Map<String, TokenBucket> buckets = new ConcurrentHashMap<>();

    /** Takes a delivery's token: empty when it may go on, else how long until the next token. */
    Optional<Duration> take(String orgId) {
        long now = nanos(clock.instant());
        TokenBucket bucket = buckets.computeIfAbsent(orgId,
                k -> new TokenBucket(config.limit().burst(), config.limit().perMinute() / 60.0, now));
        long wait;
        synchronized (bucket) {
            wait = bucket.take(now);
        }
        return wait == 0 ? Optional.empty() : Optional.of(Duration.ofNanos(wait));
    }

    /** Full buckets for everyone (tests). */
    void reset() {
        buckets.clear();
    }

    private static long nanos(Instant at) {
        return Math.addExact(Math.multiplyExact(at.getEpochSecond(), 1_000_000_000L), at.getNano());
    }
}
