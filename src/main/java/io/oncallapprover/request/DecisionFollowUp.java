package io.oncallapprover.request;

import java.time.Instant;

import io.smallrye.mutiny.Uni;

/**
 * What must follow a decision, in the same transaction: telling the paged on-call team (the
 * escalation package edits the incident's summary). An interface here, implemented there, so that
 * requests do not depend on how pages are sent.
 */
public interface DecisionFollowUp {

    /** Called inside the decision's transaction, after the decision is written. */
    Uni<Void> decided(AccessRequest request, Instant at);
}
