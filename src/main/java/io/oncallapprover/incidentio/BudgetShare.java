package io.oncallapprover.incidentio;

/**
 * This replica's part of every incident.io key's limit, from 0 (no calls) to 1 (the whole limit).
 * The replicas agree on their shares through the database they share (see the {@code replica}
 * package); {@link KeyBudgets} sizes each key's bucket by it.
 */
public interface BudgetShare {

    /** The share to spend now; it may change from one call to the next. */
    double share();
}
