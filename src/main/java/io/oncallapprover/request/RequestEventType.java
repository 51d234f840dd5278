package io.oncallapprover.request;

/** The events a request's changes write (see {@link RequestEvents}); {@link #wire()} is the name integrators see. */
public enum RequestEventType {
    CREATED("access_request.created"),
    /** Carries {@code approvedBy}: {@code auto}, {@code person} or {@code reevaluation}. */
    APPROVED("access_request.approved"),
    DENIED("access_request.denied"),
    ESCALATED("access_request.escalated"),
    PAGE_CREATED("access_request.page_created"),
    PAGE_FAILED("access_request.page_failed"),
    /** The grant's time or the pending time is over. */
    EXPIRED("access_request.expired"),
    /** A shift change or a revoke ended the grant; carries {@code endedReason}. */
    GRANT_ENDED("access_request.grant_ended"),
    WITHDRAWN("access_request.withdrawn"),
    /** The request's page was resolved in incident.io while it was pending; carries {@code endedReason}. */
    INCIDENT_RESOLVED("access_request.incident_resolved");

    private final String wire;

    RequestEventType(String wire) {
        this.wire = wire;
    }

    public String wire() {
        return wire;
    }

    public static java.util.Optional<RequestEventType> ofWire(String name) {
        for (RequestEventType t : values()) {
            if (t.wire.equals(name)) {
                return java.util.Optional.of(t);
            }
        }
        return java.util.Optional.empty();
    }
}
