package io.oncallapprover.incidentio;

/**
 * A token bucket on a monotonic nanosecond clock: {@code capacity} tokens, refilled continuously at
 * {@code perSecond}, the model incident.io documents for its own limit. Its size follows this
 * replica's share of the key's budget ({@link #resize}): a smaller share drops the tokens above the
 * new capacity at once; a larger one only raises the ceiling, so tokens grow by refill alone. Not
 * thread-safe: its owner guards it ({@link KeyBudget}; {@code webhook.DeliveryLimits} for inbound deliveries).
 */
public final class TokenBucket {

    /** The wait answered while the bucket has no rate at all (a share of zero): ask again after it. */
    static final long NO_RATE_WAIT_NANOS = 1_000_000_000L;

    private double capacity;
    private double perNano;
    private double tokens;
    private long at;

    /** A full bucket of {@code capacity} tokens (zero and no rate for a replica that holds no share yet). */
    public TokenBucket(double capacity, double perSecond, long nowNanos) {
        if (capacity < 0 || perSecond < 0 || Double.isNaN(capacity) || Double.isNaN(perSecond)) {
            throw new IllegalArgumentException("a bucket needs a capacity and a rate of at least zero");
        }
        this.capacity = capacity;
        this.perNano = perSecond / 1e9;
        this.tokens = capacity;
        this.at = nowNanos;
    }

    /** Takes a token and answers 0, or answers how many nanoseconds until one is there (nothing taken). */
    public long take(long nowNanos) {
        refill(nowNanos);
        if (tokens >= 1) {
            tokens -= 1;
            return 0;
        }
        if (perNano <= 0 || capacity < 1) {
            return NO_RATE_WAIT_NANOS;
        }
        return Math.max(1, (long) Math.ceil((1 - tokens) / perNano));
    }

    double available(long nowNanos) {
        refill(nowNanos);
        return tokens;
    }

    /** New size (a new share): what was refilled until now counts at the old rate; tokens above the new capacity go. */
    void resize(double newCapacity, double newPerSecond, long nowNanos) {
        refill(nowNanos);
        capacity = Math.max(0, newCapacity);
        perNano = Math.max(0, newPerSecond) / 1e9;
        tokens = Math.min(tokens, capacity);
    }

    double capacity() {
        return capacity;
    }

    private void refill(long nowNanos) {
        if (nowNanos > at) {
            tokens = Math.min(capacity, tokens + (nowNanos - at) * perNano);
            at = nowNanos;
        }
    }
}
