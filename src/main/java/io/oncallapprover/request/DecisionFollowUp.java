package io.oncallapprover.request;

import java.time.Instant;

import io.smallrye.mutiny.Uni;

/**
 * What must follow the end of a request, in the same transaction: telling the paged on-call team (the
 * escalation package edits the incident's summary, or cancels the escalations). An interface here,
 * implemented there, so that requests do not depend on how pages are sent.
 */
public interface DecisionFollowUp {

    /** Called inside the decision's transaction, after the decision is written. */
    Uni<Void> decided(AccessRequest request, Instant at);

    /**
     * Called inside the transaction that ends a request without a person's decision (it lapsed, was
     * closed because its incident was resolved, or was approved on re-evaluation).
     */
    Uni<Void> ended(AccessRequest request, Instant at);
}
