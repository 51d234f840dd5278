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

import org.jboss.resteasy.reactive.ResponseStatus;

import org.eclipse.microprofile.openapi.annotations.Operation;
import org.eclipse.microprofile.openapi.annotations.media.Content;
import org.eclipse.microprofile.openapi.annotations.media.Schema;
import org.eclipse.microprofile.openapi.annotations.responses.APIResponse;
import org.eclipse.microprofile.openapi.annotations.tags.Tag;

import io.oncallapprover.common.Ids;
import io.oncallapprover.request.AccessRequestDtos.AccessRequestView;
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
    @ResponseStatus(202)
    @Operation(summary = "Page the on-call team through one incident.io incident (idempotent; the incident is created "
            + "in the background)")
    @APIResponse(responseCode = "202", description = "Accepted: the request, its incident PENDING until incident.io answers",
            content = @Content(mediaType = MediaType.APPLICATION_JSON, schema = @Schema(implementation = AccessRequestView.class)))
    public Uni<AccessRequestView> escalate(@PathParam("orgId") @Pattern(regexp = Ids.ORG_ID, message = Ids.ORG_ID_MESSAGE) String orgId,
            @PathParam("id") @Pattern(regexp = Ids.REQUEST_ID, message = Ids.REQUEST_ID_MESSAGE) String id) {
        return escalations.escalate(orgId, id, Caller.of(identity)).flatMap(views::of);
    }
}
