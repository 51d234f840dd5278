package io.oncallapprover.incidentio;

/**
 * A token bucket on a monotonic nanosecond clock: {@code capacity} tokens, refilled continuously at
 * {@code perSecond}. Not thread-safe; {@link KeyBudget} guards it.
 */
final class TokenBucket {

    private final double capacity;
    private final double perNano;
    private double tokens;
    private long at;

    TokenBucket(double capacity, double perSecond, long nowNanos) {
        if (capacity < 1 || perSecond <= 0) {
            throw new IllegalArgumentException("a bucket needs capacity >= 1 and a positive rate");
        }
        this.capacity = capacity;
        this.perNano = perSecond / 1e9;
        this.tokens = capacity;
        this.at = nowNanos;
    }

    /** Takes a token and answers 0, or answers how many nanoseconds until one is there (nothing taken). */
    long take(long nowNanos) {
        refill(nowNanos);
        if (tokens >= 1) {
            tokens -= 1;
            return 0;
        }
        return Math.max(1, (long) Math.ceil((1 - tokens) / perNano));
    }

    double available(long nowNanos) {
        refill(nowNanos);
        return tokens;
    }

    private void refill(long nowNanos) {
        if (nowNanos > at) {
            tokens = Math.min(capacity, tokens + (nowNanos - at) * perNano);
            at = nowNanos;
        }
    }
}
