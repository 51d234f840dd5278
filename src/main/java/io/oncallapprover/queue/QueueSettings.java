package io.oncallapprover.queue;

import java.time.Duration;

/**
 * How one kind of queue is worked: its retry policy, how long a claim (and each renewal before a call) holds a
 * row, how many rows one drain claims, how many of them are worked at once, and how long a shutdown waits for
 * a call in flight.
 *
 * @param retry what a failed attempt leads to
 * @param lease how long a claim, and each renewal before a call, keeps other workers off a row
 * @param batch rows claimed at once
 * @param parallel rows of one claim worked at once: 1 works them one by one in the claim's order; more suits
 *        rows that are independent of each other (event destinations)
 * @param shutdownWait how long a shutdown waits for a call in flight before giving the leases back
 */
public record QueueSettings(RetryPolicy retry, Duration lease, int batch, int parallel, Duration shutdownWait) {

    /** What a shutdown waits for a call in flight unless a kind says otherwise. */
    public static final Duration DEFAULT_SHUTDOWN_WAIT = Duration.ofSeconds(5);

    public QueueSettings {
        if (lease.isNegative() || lease.isZero() || batch < 1 || parallel < 1 || shutdownWait.isNegative()) {
            throw new IllegalArgumentException("a lease > 0, a batch >= 1 and parallel >= 1, not " + lease + ", " + batch
                    + ", " + parallel);
        }
    }

    /** Rows worked one by one, in the claim's order; the default shutdown wait. */
    public QueueSettings(RetryPolicy retry, Duration lease, int batch) {
        this(retry, lease, batch, 1, DEFAULT_SHUTDOWN_WAIT);
    }

    public QueueSettings inParallel(int rows) {
        return new QueueSettings(retry, lease, batch, rows, shutdownWait);
    }

    public QueueSettings waitingAtShutdown(Duration wait) {
        return new QueueSettings(retry, lease, batch, parallel, wait);
    }
}
