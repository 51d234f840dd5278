package io.oncallapprover.audit;

import java.time.Instant;
import java.util.List;

import jakarta.annotation.security.RolesAllowed;
import jakarta.validation.constraints.Pattern;
import jakarta.ws.rs.GET;
import jakarta.ws.rs.Path;
import jakarta.ws.rs.PathParam;
import jakarta.ws.rs.Produces;
import jakarta.ws.rs.QueryParam;
import jakarta.ws.rs.core.MediaType;

import org.eclipse.microprofile.openapi.annotations.Operation;
import org.eclipse.microprofile.openapi.annotations.enums.SchemaType;
import org.eclipse.microprofile.openapi.annotations.media.Schema;
import org.eclipse.microprofile.openapi.annotations.parameters.Parameter;
import io.oncallapprover.problem.QueryParameters;
import org.eclipse.microprofile.openapi.annotations.tags.Tag;

import io.oncallapprover.common.Ids;
import io.oncallapprover.security.Roles;
import io.quarkus.runtime.annotations.RegisterForReflection;
import io.smallrye.mutiny.Uni;

/** The organization's audit trail, newest first. */
@Path("/api/v1/orgs/{orgId}/audit-events")
@Produces(MediaType.APPLICATION_JSON)
@Tag(name = "Audit")
@RolesAllowed({ Roles.ADMIN, Roles.SERVICE })
public class AuditResource {

    @jakarta.inject.Inject
    AuditLog audit;

    @jakarta.inject.Inject
    AuditVerification verification;

    @RegisterForReflection
    public record AuditEventView(long id, String action, String subject, @Schema(nullable = true) String detail,
            Instant occurredAt, @Schema(nullable = true) String requestId) {
    }

    @RegisterForReflection
    public record AuditEventsView(List<AuditEventView> events,
            @Schema(nullable = true, description = "The cursor of the next (older) page, as 'cursor'; null on the last page")
            String next) {
    }

    @RegisterForReflection
    @Schema(description = "The first event whose link in the chain does not hold")
    public record BrokenLinkView(long id, @Schema(description = "Its position in the organization's chain, from 1") long seq,
            Instant occurredAt, @Schema(description = "Why the link does not hold") String reason) {
    }

    @RegisterForReflection
    public record VerificationView(
            @Schema(description = "Whether every event's hash and link to the one before hold") boolean verified,
            @Schema(description = "How many events were checked (all of them when verified)") long events,
            @Schema(nullable = true, description = "The hash of the newest event (hex; null without events): record it"
                    + " elsewhere to detect later removal of the newest events") String lastHash,
            @Schema(nullable = true) BrokenLinkView firstBrokenLink) {
    }

    @GET
    @Path("/verification")
    @RolesAllowed(Roles.ADMIN)
    @Operation(summary = "Recompute the organization's audit chain and name the first event whose link does not hold",
            description = "Each event carries the hash of the organization's previous event (docs/audit.md). The chain is"
                    + " read from its first event, a page at a time.")
    public Uni<VerificationView> verify(
            @PathParam("orgId") @Pattern(regexp = Ids.ORG_ID, message = Ids.ORG_ID_MESSAGE) String orgId) {
        return verification.verify(orgId).map(r -> new VerificationView(r.verified(), r.events(), r.lastHash(),
                r.firstBrokenLink() == null ? null : new BrokenLinkView(r.firstBrokenLink().id(), r.firstBrokenLink().seq(),
                        r.firstBrokenLink().occurredAt(), r.firstBrokenLink().reason())));
    }

    @GET
    @Operation(summary = "Audited changes of the organization, newest first, a page at a time")
    public Uni<AuditEventsView> list(@PathParam("orgId") @Pattern(regexp = Ids.ORG_ID, message = Ids.ORG_ID_MESSAGE) String orgId,
            @Parameter(description = "How many events, 1 to 500 (default 100)", schema = @Schema(type = SchemaType.INTEGER,
                    minimum = "1", maximum = "500")) @QueryParam("limit") String limit,
            @Parameter(description = "The 'next' of the previous page") @QueryParam("cursor") String cursor,
            @Parameter(description = "Only the trail of this access request") @QueryParam("requestId")
            @Pattern(regexp = Ids.REQUEST_ID, message = Ids.REQUEST_ID_MESSAGE) String requestId,
            @Parameter(description = "Only events of this action, e.g. POLICY_CHANGED") @QueryParam("action") String action,
            @Parameter(description = "Only events at or after this instant (ISO-8601)") @QueryParam("since") String since,
            @Parameter(description = "Only events before this instant (ISO-8601)") @QueryParam("until") String until) {
        AuditQuery query = new AuditQuery(java.util.Optional.ofNullable(requestId).filter(r -> !r.isEmpty()),
                QueryParameters.oneOf("action", action, AuditAction.class), QueryParameters.instant("since", since),
                QueryParameters.instant("until", until),
                cursor == null || cursor.isEmpty() ? java.util.Optional.empty()
                        : java.util.Optional.of(AuditQuery.Cursor.decode(cursor).orElseThrow(() -> io.oncallapprover.problem.ApiException
                                .invalid("cursor", "is not a cursor this service gave (use the 'next' of a page)"))),
                QueryParameters.integer("limit", limit, 100, 1, 500));
        return audit.page(orgId, query).map(page -> new AuditEventsView(page.events().stream()
                .map(e -> new AuditEventView(e.id, e.action, e.subject, e.detail, e.occurredAt, e.requestId)).toList(),
                page.next()));
    }
}
