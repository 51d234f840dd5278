package io.oncallapprover.events;

import java.time.Instant;
import java.util.List;

import org.eclipse.microprofile.openapi.annotations.media.Schema;

import io.oncallapprover.request.AccessRequestDtos.AccessRequestSummary;
import io.quarkus.runtime.annotations.RegisterForReflection;

/** The events as integrators read them. */
public final class EventViews {

    private EventViews() {
    }

    /**
     * One change of a request's state. {@code approvedBy} is set on {@code access_request.approved}
     * ({@code auto}, {@code person} or {@code reevaluation}); {@code endedReason} on
     * {@code access_request.grant_ended} and {@code access_request.incident_resolved}.
     */
    @RegisterForReflection
    public record RequestEvent(
            @Schema(description = "Unique id of the event (also the webhook-id of a push)") String id,
            @Schema(enumeration = { "access_request.created", "access_request.approved", "access_request.denied",
                    "access_request.escalated", "access_request.page_created", "access_request.page_failed",
                    "access_request.expired", "access_request.grant_ended", "access_request.withdrawn",
                    "access_request.incident_resolved" }) String type,
            Instant occurredAt,
            String orgId,
            String requestId,
            @Schema(nullable = true, enumeration = { "auto", "person", "reevaluation" },
                    description = "access_request.approved only") String approvedBy,
            @Schema(nullable = true, description = "access_request.grant_ended and access_request.incident_resolved (when"
                    + " the request was closed) only") String endedReason,
            @Schema(description = "The request as GET /access-requests lists it, after the change") AccessRequestSummary data) {
    }

    @RegisterForReflection
    public record EventPage(List<RequestEvent> events,
            @Schema(description = "The cursor to poll from next (as 'after'), present even when the page is empty") String next) {
    }
}
