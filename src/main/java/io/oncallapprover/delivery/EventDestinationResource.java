package io.oncallapprover.delivery;

import java.net.URI;

import jakarta.annotation.security.RolesAllowed;
import jakarta.inject.Inject;
import jakarta.validation.Valid;
import jakarta.validation.constraints.NotNull;
import jakarta.validation.constraints.Pattern;
import jakarta.ws.rs.Consumes;
import jakarta.ws.rs.DELETE;
import jakarta.ws.rs.GET;
import jakarta.ws.rs.POST;
import jakarta.ws.rs.Path;
import jakarta.ws.rs.PathParam;
import jakarta.ws.rs.Produces;
import jakarta.ws.rs.core.HttpHeaders;
import jakarta.ws.rs.core.MediaType;

import org.eclipse.microprofile.openapi.annotations.Operation;
import org.eclipse.microprofile.openapi.annotations.enums.SchemaType;
import org.eclipse.microprofile.openapi.annotations.headers.Header;
import org.eclipse.microprofile.openapi.annotations.media.Content;
import org.eclipse.microprofile.openapi.annotations.media.Schema;
import org.eclipse.microprofile.openapi.annotations.responses.APIResponse;
import org.eclipse.microprofile.openapi.annotations.tags.Tag;
import org.jboss.resteasy.reactive.ResponseStatus;
import org.jboss.resteasy.reactive.RestResponse;

import io.oncallapprover.common.Ids;
import io.oncallapprover.delivery.EventDestinationViews.CreatedDestination;
import io.oncallapprover.delivery.EventDestinationViews.DestinationList;
import io.oncallapprover.delivery.EventDestinationViews.DestinationStatus;
import io.oncallapprover.delivery.EventDestinationViews.NewDestination;
import io.oncallapprover.security.Caller;
import io.oncallapprover.security.Roles;
import io.quarkus.security.identity.SecurityIdentity;
import io.smallrye.mutiny.Uni;

/** Where the organization's request events are pushed: registered, listed, shown and removed by an admin. */
@Path("/api/v1/orgs/{orgId}/event-destinations")
@Produces(MediaType.APPLICATION_JSON)
@Consumes(MediaType.APPLICATION_JSON)
@Tag(name = "Events")
@RolesAllowed(Roles.ADMIN)
public class EventDestinationResource {

    @Inject
    EventDestinations destinations;

    @Inject
    SecurityIdentity identity;

    @POST
    @ResponseStatus(201)
    @Operation(summary = "Register a URL every event (of the given types) is POSTed to, signed; the secret is shown once")
    @APIResponse(responseCode = "201", description = "Registered; Location names it. The secret appears only here.",
            headers = @Header(name = HttpHeaders.LOCATION, required = true, schema = @Schema(type = SchemaType.STRING)),
            content = @Content(mediaType = MediaType.APPLICATION_JSON, schema = @Schema(implementation = CreatedDestination.class)))
    public Uni<RestResponse<CreatedDestination>> register(
            @PathParam("orgId") @Pattern(regexp = Ids.ORG_ID, message = Ids.ORG_ID_MESSAGE) String orgId,
            @Valid @NotNull NewDestination body) {
        return destinations.register(orgId, body, Caller.of(identity))
                .map(created -> RestResponse.ResponseBuilder.<CreatedDestination> created(
                        URI.create("/api/v1/orgs/" + orgId + "/event-destinations/" + created.id())).entity(created).build());
    }

    @GET
    @Operation(summary = "The organization's event destinations (without their secrets)")
    public Uni<DestinationList> list(@PathParam("orgId") @Pattern(regexp = Ids.ORG_ID, message = Ids.ORG_ID_MESSAGE) String orgId) {
        return destinations.list(orgId).map(DestinationList::new);
    }

    @GET
    @Path("/{id}")
    @Operation(summary = "One event destination: its last success, last failure and backlog")
    public Uni<DestinationStatus> show(@PathParam("orgId") @Pattern(regexp = Ids.ORG_ID, message = Ids.ORG_ID_MESSAGE) String orgId,
            @PathParam("id") String id) {
        return destinations.show(orgId, id);
    }

    @DELETE
    @Path("/{id}")
    @Operation(summary = "Remove an event destination: nothing more is sent there")
    public Uni<Void> remove(@PathParam("orgId") @Pattern(regexp = Ids.ORG_ID, message = Ids.ORG_ID_MESSAGE) String orgId,
            @PathParam("id") String id) {
        return destinations.remove(orgId, id, Caller.of(identity));
    }
}
