package io.oncallapprover.escalation;

import jakarta.annotation.security.RolesAllowed;
import jakarta.inject.Inject;
import jakarta.validation.constraints.Pattern;
import jakarta.ws.rs.Consumes;
import jakarta.ws.rs.POST;
import jakarta.ws.rs.Path;
import jakarta.ws.rs.PathParam;
import jakarta.ws.rs.Produces;
import jakarta.ws.rs.core.MediaType;
import jakarta.ws.rs.core.Response;

import org.eclipse.microprofile.openapi.annotations.Operation;
import org.eclipse.microprofile.openapi.annotations.tags.Tag;

import io.oncallapprover.common.Ids;
import io.oncallapprover.request.AccessRequestViews;
import io.oncallapprover.security.Caller;
import io.oncallapprover.security.Roles;
import io.quarkus.security.identity.SecurityIdentity;
import io.smallrye.mutiny.Uni;

/** Paging the on-call team of an access request. */
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
    SecurityIdentity identity;

    @POST
    @Consumes(MediaType.WILDCARD)
    @Operation(summary = "Page the on-call team through one incident.io incident (idempotent)")
    public Uni<Response> escalate(@PathParam("orgId") @Pattern(regexp = Ids.ORG_ID, message = Ids.ORG_ID_MESSAGE) String orgId,
            @PathParam("id") @Pattern(regexp = Ids.REQUEST_ID, message = Ids.REQUEST_ID_MESSAGE) String id) {
        return escalations.escalate(orgId, id, Caller.of(identity))
                .flatMap(views::of)
                .map(view -> Response.accepted(view).build());
    }
}
