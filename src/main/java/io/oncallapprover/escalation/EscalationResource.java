package io.oncallapprover.escalation;

import jakarta.annotation.security.RolesAllowed;
import jakarta.inject.Inject;
import jakarta.validation.constraints.Pattern;
import jakarta.ws.rs.Consumes;
import jakarta.ws.rs.POST;
import jakarta.ws.rs.Path;
import jakarta.ws.rs.PathParam;
import jakarta.ws.rs.Produces;
import jakarta.ws.rs.HeaderParam;
import jakarta.ws.rs.core.Context;
import jakarta.ws.rs.core.MediaType;
import jakarta.ws.rs.core.Response;
import jakarta.ws.rs.core.UriInfo;

import org.eclipse.microprofile.openapi.annotations.Operation;
import org.eclipse.microprofile.openapi.annotations.enums.ParameterIn;
import org.eclipse.microprofile.openapi.annotations.enums.SchemaType;
import org.eclipse.microprofile.openapi.annotations.headers.Header;
import org.eclipse.microprofile.openapi.annotations.parameters.Parameter;
import org.eclipse.microprofile.openapi.annotations.media.Content;
import org.eclipse.microprofile.openapi.annotations.media.Schema;
import org.eclipse.microprofile.openapi.annotations.responses.APIResponse;
import org.eclipse.microprofile.openapi.annotations.tags.Tag;

import io.oncallapprover.common.Ids;
import io.oncallapprover.idempotency.Answer;
import io.oncallapprover.idempotency.Idempotency;
import io.oncallapprover.idempotency.Idempotency.KeyedRequest;
import io.oncallapprover.idempotency.IdempotencyKey;
import io.oncallapprover.request.AccessRequest;
import io.oncallapprover.request.AccessRequestDtos.AccessRequestView;
import io.oncallapprover.request.AccessRequestViews;
import io.oncallapprover.security.Caller;
import io.oncallapprover.security.Roles;
import io.quarkus.security.identity.SecurityIdentity;
import io.smallrye.mutiny.Uni;

/** Paging the on-call team of an access request; takes an {@code Idempotency-Key} ({@code idempotency.Idempotency}). */
@Path("/api/v1/orgs/{orgId}/access-requests/{id}/escalate")
@Produces(MediaType.APPLICATION_JSON)
@Tag(name = "Access requests")
@RolesAllowed(Roles.SERVICE)
public class EscalationResource {

    @Inject
    EscalationService escalations;

    @Inject
    AccessRequestViews views;

    @Inject
    Idempotency idempotency;

    @Inject
    SecurityIdentity identity;

    @POST
    @Consumes(MediaType.WILDCARD)
    @Operation(summary = "Page the on-call team through one incident.io incident (idempotent; the incident is created "
            + "in the background)")
    @APIResponse(responseCode = "202", description = "Accepted: the request, its incident PENDING until incident.io answers",
            headers = @Header(name = Idempotency.REPLAYED, description = Idempotency.REPLAYED_DOC,
                    schema = @Schema(type = SchemaType.STRING, enumeration = "true")),
            content = @Content(mediaType = MediaType.APPLICATION_JSON, schema = @Schema(implementation = AccessRequestView.class)))
    public Uni<Response> escalate(@PathParam("orgId") @Pattern(regexp = Ids.ORG_ID, message = Ids.ORG_ID_MESSAGE) String orgId,
            @PathParam("id") @Pattern(regexp = Ids.REQUEST_ID, message = Ids.REQUEST_ID_MESSAGE) String id,
            @Parameter(in = ParameterIn.HEADER, name = Idempotency.HEADER, description = Idempotency.KEY_DOC,
                    schema = @Schema(type = SchemaType.STRING, minLength = 1, maxLength = 255, pattern = IdempotencyKey.PATTERN))
            @HeaderParam(Idempotency.HEADER) String idempotencyKey, @Context UriInfo uri) {
        // No body: the same request is the same method and path.
        return idempotency.<AccessRequest> run(new KeyedRequest(orgId, idempotencyKey, "POST", uri.getPath(), null),
                keyed -> escalations.escalate(orgId, id, Caller.of(identity), keyed),
                request -> views.of(request).map(view -> Answer.of(202, view)));
    }
}
