package io.oncallapprover.replica;

/**
 * How replicas divide one limit without ever claiming more than all of it: pure arithmetic, no I/O.
 * <p>
 * Each replica holds a lease row with the share it claims. Under a lock, a replica renewing its lease
 * counts the live leases (its own included) and claims {@code min(1/live, 1 - what the others
 * claim)}. A newcomer therefore starts with what is free (often nothing) and reaches {@code 1/live}
 * once the others, renewing in turn, have come down to {@code 1/live}; a replica that left frees its
 * claim when its row is deleted or its lease lapses. The claims of live rows never add up to more
 * than 1, whatever the order of renewals.
 * <p>
 * The claim in the database bounds what the replica spends: a lower claim applies locally before it
 * is committed, a higher one only after; and the replica spends nothing once its lease may have
 * lapsed for the others ({@link LocalShare}).
 */
public final class ShareClaims {

    private ShareClaims() {
    }

    /** The share to claim with {@code live} live leases (this one included) while the others claim {@code othersClaimed}. */
    public static double claim(int live, double othersClaimed) {
        if (live < 1) {
            throw new IllegalArgumentException("a replica renewing its lease is live itself");
        }
        double fair = 1.0 / live;
        double free = 1.0 - othersClaimed;
        return Math.max(0.0, Math.min(fair, free));
    }
}
