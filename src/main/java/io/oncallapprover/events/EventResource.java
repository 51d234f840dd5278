package io.oncallapprover.events;

import jakarta.annotation.security.RolesAllowed;
import jakarta.inject.Inject;
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
import org.eclipse.microprofile.openapi.annotations.tags.Tag;

import io.oncallapprover.common.Ids;
import io.oncallapprover.problem.ApiException;
import io.oncallapprover.problem.QueryParameters;
import io.oncallapprover.request.RequestEventType;
import io.oncallapprover.security.Roles;
import io.smallrye.mutiny.Uni;

/** The organization's request events, oldest first, after a cursor: what integrators poll. */
@Path("/api/v1/orgs/{orgId}/events")
@Produces(MediaType.APPLICATION_JSON)
@Tag(name = "Events")
@RolesAllowed({ Roles.ADMIN, Roles.SERVICE })
public class EventResource {

    @Inject
    EventFeed feed;

    @GET
    @Operation(summary = "Changes of the organization's access requests after a cursor, oldest first")
    public Uni<EventViews.EventPage> list(@PathParam("orgId") @Pattern(regexp = Ids.ORG_ID, message = Ids.ORG_ID_MESSAGE) String orgId,
            @Parameter(description = "The 'next' of the previous page; absent: from the oldest kept event") @QueryParam("after")
            String after,
            @Parameter(description = "How many events, 1 to 500 (default 100)", schema = @Schema(type = SchemaType.INTEGER,
                    minimum = "1", maximum = "500")) @QueryParam("limit") String limit,
            @Parameter(description = "Only events of this type, e.g. access_request.grant_ended") @QueryParam("type") String type) {
        int size = QueryParameters.integer("limit", limit, 100, 1, 500);
        java.util.Optional<RequestEventType> only = type == null || type.isEmpty() ? java.util.Optional.empty()
                : java.util.Optional.of(RequestEventType.ofWire(type.trim()).orElseThrow(() -> ApiException.invalid("type",
                        "must be one of " + String.join(", ", java.util.Arrays.stream(RequestEventType.values())
                                .map(RequestEventType::wire).toList()))));
        return feed.after(orgId, java.util.Optional.ofNullable(after).filter(a -> !a.isEmpty()), only, size)
                .map(page -> new EventViews.EventPage(page.events(), page.next()));
    }
}
