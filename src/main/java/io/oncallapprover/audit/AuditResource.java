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

    @RegisterForReflection
    public record AuditEventView(long id, String action, String subject, @Schema(nullable = true) String detail,
            Instant occurredAt) {
    }

    @RegisterForReflection
    public record AuditEventsView(List<AuditEventView> events) {
    }

    @GET
    @Operation(summary = "Audited changes of the organization, newest first")
    public Uni<AuditEventsView> list(@PathParam("orgId") @Pattern(regexp = Ids.ORG_ID, message = Ids.ORG_ID_MESSAGE) String orgId,
            @Parameter(description = "How many events, 1 to 500 (default 100)", schema = @Schema(type = SchemaType.INTEGER,
                    minimum = "1", maximum = "500")) @QueryParam("limit") String limit) {
        return audit.recent(orgId, QueryParameters.integer("limit", limit, 100, 1, 500))
                .map(events -> new AuditEventsView(events.stream()
                        .map(e -> new AuditEventView(e.id, e.action, e.subject, e.detail, e.occurredAt)).toList()));
    }
}
