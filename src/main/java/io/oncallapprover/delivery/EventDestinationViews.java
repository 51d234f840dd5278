package io.oncallapprover.delivery;

import java.time.Instant;
import java.util.List;

import jakarta.validation.constraints.NotBlank;
import jakarta.validation.constraints.Size;

import org.eclipse.microprofile.openapi.annotations.media.Schema;

import io.quarkus.runtime.annotations.RegisterForReflection;

/** What the event-destination API reads and answers (mapping apart from the entity). */
public final class EventDestinationViews {

    private EventDestinationViews() {
    }

    @RegisterForReflection
    public record NewDestination(
            @Schema(description = "https URL to a public address (plain http or a private address only to a trusted host)",
                    examples = "https://approvals.example.com/hooks/oncall-approver")
            @NotBlank @Size(max = DestinationRules.MAX_URL_LENGTH) String url,
            @Schema(description = "Event types sent there, e.g. access_request.grant_ended; absent: every type")
            @Size(min = 1, max = 20) List<@NotBlank String> types) {
    }

    /** The answer to a registration: the only time the secret is shown. */
    @RegisterForReflection
    public record CreatedDestination(String id, String url,
            @Schema(nullable = true, description = "null: every type") List<String> types,
            @Schema(description = "whsec_ and the base64 of 32 random bytes: verify each delivery's webhook-signature with it."
                    + " Shown only in this answer.") String secret) {
    }

    @RegisterForReflection
    public record Destination(String id, String url, @Schema(nullable = true, description = "null: every type") List<String> types,
            String secretHint, Instant createdAt,
            String createdBy) {
    }

    /** One destination with its delivery state. */
    @RegisterForReflection
    public record DestinationStatus(String id, String url,
            @Schema(nullable = true, description = "null: every type") List<String> types, String secretHint, Instant createdAt,
            String createdBy,
            @Schema(description = "Events of its types not delivered yet") long backlog,
            @Schema(description = "Failed attempts at the oldest event not delivered yet") int attempts,
            @Schema(nullable = true, description = "When the oldest event not delivered is tried next; null: nothing waits")
            Instant nextAttemptAt,
            @Schema(nullable = true) Instant lastSuccessAt, @Schema(nullable = true) Instant lastFailureAt,
            @Schema(nullable = true, description = "What the last failed attempt came to, e.g. answered 503") String lastFailure,
            @Schema(description = "Events given up: not accepted within oncall.events.retry-for of happening") long givenUp,
            @Schema(nullable = true) Instant lastGivenUpAt) {
    }

    @RegisterForReflection
    public record DestinationList(List<Destination> destinations) {
    }

    static Destination of(EventDestination d) {
        return new Destination(d.id.toString(), d.url, d.typeList(), d.secretHint, d.createdAt, d.createdBy);
    }

    static DestinationStatus status(EventDestination d, long backlog) {
        return new DestinationStatus(d.id.toString(), d.url, d.typeList(), d.secretHint, d.createdAt, d.createdBy, backlog,
                d.attempts, backlog == 0 ? null : d.nextAttemptAt, d.lastSuccessAt, d.lastFailureAt, d.lastFailure, d.givenUp,
                d.lastGivenUpAt);
    }
}
