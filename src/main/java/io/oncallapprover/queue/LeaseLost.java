package io.oncallapprover.queue;

/**
 * A call that records its own outcome (in the transaction that writes its effect) found the lease taken over:
 * it wrote nothing. The queue leaves the row to its holder, records no failure and counts no success.
 */
public final class LeaseLost extends RuntimeException {

    public LeaseLost(String message) {
        super(message, null, false, false);
    }
}
