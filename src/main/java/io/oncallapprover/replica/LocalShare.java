package io.oncallapprover.replica;

/**
 * The share this replica may spend now, kept on a monotonic clock (nanoseconds): pure, no I/O.
 * <p>
 * The lease row lives until the database's {@code now() + ttl} of its last renewal. The database's
 * {@code now()} is the start of the renewing transaction, which is after this replica began it
 * ({@code begunNanos}); so the lease holds at least until {@code begunNanos + ttl}, and the replica
 * spends its share only until then, less a safety margin. Past that, other replicas may take the
 * share over: this replica spends nothing until a renewal succeeds again. A replica that cannot
 * reach the database thus keeps to at most its last share, and only while its lease holds.
 */
public final class LocalShare {

    private final long ttlNanos;
    private final long marginNanos;
    /** Zero until the first renewal and after the lease is given back. */
    private double share;
    private long validUntilNanos;

    public LocalShare(long ttlNanos, long marginNanos) {
        if (ttlNanos <= marginNanos || marginNanos < 0) {
            throw new IllegalArgumentException("the lease must outlive its safety margin");
        }
        this.ttlNanos = ttlNanos;
        this.marginNanos = marginNanos;
    }

    /** What may be spent at {@code nowNanos}: the last committed claim while the lease holds, else nothing. */
    public synchronized double at(long nowNanos) {
        return nowNanos - validUntilNanos < 0 ? share : 0.0;
    }

    /**
     * A renewal (begun at {@code begunNanos}) is about to commit {@code claim}: a lower claim applies
     * now, before the commit lets another replica take the difference.
     */
    public synchronized void aboutToClaim(double claim) {
        if (claim < share) {
            share = claim;
        }
    }

    /** The renewal begun at {@code begunNanos} committed {@code claim}: it applies until the lease may lapse. */
    public synchronized void claimed(double claim, long begunNanos) {
        share = claim;
        validUntilNanos = begunNanos + ttlNanos - marginNanos;
    }

    /** The last claim applied, whether or not the lease still holds. */
    public synchronized double lastApplied() {
        return share;
    }

    /** The lease was given back (shutdown): nothing more is spent. */
    public synchronized void released() {
        share = 0.0;
    }
}
