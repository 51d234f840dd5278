package io.oncallapprover.request;

import java.util.Optional;

import io.oncallapprover.common.Emails;
import io.oncallapprover.problem.ApiException;
import io.oncallapprover.problem.QueryParameters;
import io.oncallapprover.request.AccessRequestDtos.AccessRequestPage;

import java.net.URI;

import jakarta.annotation.security.RolesAllowed;
import jakarta.inject.Inject;
import jakarta.validation.Valid;
import jakarta.validation.constraints.NotNull;
import jakarta.validation.constraints.Pattern;
import jakarta.ws.rs.Consumes;
import jakarta.ws.rs.GET;
import jakarta.ws.rs.POST;
import jakarta.ws.rs.Path;
import jakarta.ws.rs.PathParam;
import jakarta.ws.rs.QueryParam;
import jakarta.ws.rs.Produces;
import jakarta.ws.rs.core.MediaType;
import jakarta.ws.rs.core.HttpHeaders;
import jakarta.ws.rs.core.Context;
import jakarta.ws.rs.core.Response;
import jakarta.ws.rs.core.UriInfo;
import jakarta.ws.rs.HeaderParam;

import org.eclipse.microprofile.openapi.annotations.Operation;
import org.eclipse.microprofile.openapi.annotations.enums.ParameterIn;
import org.eclipse.microprofile.openapi.annotations.enums.SchemaType;
import org.eclipse.microprofile.openapi.annotations.headers.Header;
import org.eclipse.microprofile.openapi.annotations.media.Content;
import org.eclipse.microprofile.openapi.annotations.media.Schema;
import org.eclipse.microprofile.openapi.annotations.responses.APIResponse;
import org.eclipse.microprofile.openapi.annotations.parameters.Parameter;
import org.eclipse.microprofile.openapi.annotations.tags.Tag;

import io.oncallapprover.common.Ids;
import io.oncallapprover.idempotency.Answer;
import io.oncallapprover.idempotency.Idempotency;
import io.oncallapprover.idempotency.Idempotency.KeyedRequest;
import io.oncallapprover.idempotency.IdempotencyKey;
import io.oncallapprover.request.AccessRequestDtos.AccessRequestView;
import io.oncallapprover.request.AccessRequestDtos.CreateAccessRequest;
import io.oncallapprover.request.AccessRequestDtos.DecisionRequest;
import io.oncallapprover.security.Caller;
import io.oncallapprover.security.Roles;
import io.quarkus.security.identity.SecurityIdentity;
import io.smallrye.mutiny.Uni;

/**
 * Access requests: create (auto-approval evaluated at once), read, decide, revoke, withdraw. Escalation:
 * {@code escalation.EscalationResource}. The writes take an {@code Idempotency-Key} ({@code idempotency.Idempotency}).
 */
@Path("/api/v1/orgs/{orgId}/access-requests")
@Produces(MediaType.APPLICATION_JSON)
@Consumes(MediaType.APPLICATION_JSON)
@Tag(name = "Access requests")
@RolesAllowed(Roles.SERVICE)
public class AccessRequestResource {

    static final String REQUEST_ID = Ids.REQUEST_ID;
    static final String REQUEST_ID_MESSAGE = Ids.REQUEST_ID_MESSAGE;

    @Inject
    AccessRequestService requests;

    @Inject
    EarlyEndService endings;

    @Inject
    AccessRequestViews views;

    @Inject
    Idempotency idempotency;

    @Inject
    SecurityIdentity identity;

    @POST
    @Operation(summary = "Create an access request; auto-approval is evaluated at once")
    @APIResponse(responseCode = "201", description = "Created; Location names the new request",
            headers = { @Header(name = HttpHeaders.LOCATION, required = true, schema = @Schema(type = SchemaType.STRING)),
                    @Header(name = Idempotency.REPLAYED, description = Idempotency.REPLAYED_DOC,
                    schema = @Schema(type = SchemaType.STRING, enumeration = "true")) },
            content = @Content(mediaType = MediaType.APPLICATION_JSON, schema = @Schema(implementation = AccessRequestView.class)))
    public Uni<Response> create(
            @PathParam("orgId") @Pattern(regexp = Ids.ORG_ID, message = Ids.ORG_ID_MESSAGE) String orgId,
            @Parameter(in = ParameterIn.HEADER, name = Idempotency.HEADER, description = Idempotency.KEY_DOC,
                    schema = @Schema(type = SchemaType.STRING, minLength = 1, maxLength = 255, pattern = IdempotencyKey.PATTERN))
            @HeaderParam(Idempotency.HEADER) String idempotencyKey,
            @Valid @NotNull CreateAccessRequest body, @Context UriInfo uri) {
        return idempotency.<AccessRequest> run(new KeyedRequest(orgId, idempotencyKey, "POST", uri.getPath(), body),
                keyed -> requests.create(orgId, body, Caller.of(identity), keyed),
                request -> views.of(request).map(view -> Answer.created(
                        URI.create("/api/v1/orgs/" + orgId + "/access-requests/" + view.id()), view)));
    }

    @GET
    @RolesAllowed({ Roles.ADMIN, Roles.SERVICE })
    @Operation(summary = "The organization's access requests, newest first, filtered, one page at a time")
    public Uni<AccessRequestPage> list(@PathParam("orgId") @Pattern(regexp = Ids.ORG_ID, message = Ids.ORG_ID_MESSAGE) String orgId,
            @Parameter(description = "PENDING, APPROVED, DENIED, EXPIRED or WITHDRAWN, as of now") @QueryParam("status") String status,
            @Parameter(description = "The requester's email") @QueryParam("requester") String requester,
            @Parameter(description = "Incident state: NONE, PENDING, CREATED or FAILED") @QueryParam("incidentState") String incidentState,
            @Parameter(description = "Created at or after this instant (ISO-8601)") @QueryParam("createdAfter") String createdAfter,
            @Parameter(description = "Created before this instant (ISO-8601)") @QueryParam("createdBefore") String createdBefore,
            @Parameter(description = "Page size, 1 to 100 (default 50)") @QueryParam("limit") String limit,
            @Parameter(description = "The next cursor of the previous page") @QueryParam("cursor") String cursor) {
        return requests.list(orgId, filter(status, requester, incidentState, createdAfter, createdBefore, limit, cursor));
    }

    static AccessRequestFilter filter(String status, String requester, String incidentState, String createdAfter,
            String createdBefore, String limit, String cursor) {
        Optional<String> email = Optional.ofNullable(requester).filter(r -> !r.isEmpty()).map(r -> {
            if (r.length() > 254 || !r.matches(Ids.EMAIL)) {
                throw ApiException.invalid("requester", Ids.EMAIL_MESSAGE);
            }
            return Emails.normalize(r);
        });
        Optional<java.time.Instant> after = QueryParameters.instant("createdAfter", createdAfter);
        Optional<java.time.Instant> before = QueryParameters.instant("createdBefore", createdBefore);
        if (after.isPresent() && before.isPresent() && !after.get().isBefore(before.get())) {
            throw ApiException.invalid("createdBefore", "must be later than createdAfter");
        }
        Optional<AccessRequestFilter.Cursor> from = Optional.ofNullable(cursor).filter(c -> !c.isEmpty())
                .map(c -> AccessRequestFilter.Cursor.decode(c)
                        .orElseThrow(() -> ApiException.invalid("cursor", "is not a cursor of this listing")));
        return new AccessRequestFilter(QueryParameters.oneOf("status", status, AccessRequest.Status.class), email,
                QueryParameters.oneOf("incidentState", incidentState, AccessRequest.IncidentState.class), after, before, from,
                QueryParameters.integer("limit", limit, 50, 1, 100));
    }

    @GET
    @Path("/{id}")
    @RolesAllowed({ Roles.ADMIN, Roles.SERVICE })
    @Operation(summary = "Status, grant expiry, matched rules, incident, decisions and audit trail")
    public Uni<AccessRequestView> get(@PathParam("orgId") @Pattern(regexp = Ids.ORG_ID, message = Ids.ORG_ID_MESSAGE) String orgId,
            @PathParam("id") @Pattern(regexp = REQUEST_ID, message = REQUEST_ID_MESSAGE) String id) {
        return requests.view(orgId, id);
    }

    @POST
    @Path("/{id}/decisions")
    @Operation(summary = "Approve or deny, as someone on call now for the request's approver schedules")
    @APIResponse(responseCode = "201", description = "Decided: the request as it is now",
            headers = @Header(name = Idempotency.REPLAYED, description = Idempotency.REPLAYED_DOC,
                    schema = @Schema(type = SchemaType.STRING, enumeration = "true")),
            content = @Content(mediaType = MediaType.APPLICATION_JSON, schema = @Schema(implementation = AccessRequestView.class)))
    public Uni<Response> decide(@PathParam("orgId") @Pattern(regexp = Ids.ORG_ID, message = Ids.ORG_ID_MESSAGE) String orgId,
            @PathParam("id") @Pattern(regexp = REQUEST_ID, message = REQUEST_ID_MESSAGE) String id,
            @Parameter(in = ParameterIn.HEADER, name = Idempotency.HEADER, description = Idempotency.KEY_DOC,
                    schema = @Schema(type = SchemaType.STRING, minLength = 1, maxLength = 255, pattern = IdempotencyKey.PATTERN))
            @HeaderParam(Idempotency.HEADER) String idempotencyKey,
            @Valid @NotNull DecisionRequest body, @Context UriInfo uri) {
        return idempotency.<AccessRequest> run(new KeyedRequest(orgId, idempotencyKey, "POST", uri.getPath(), body),
                keyed -> requests.decide(orgId, id, body, Caller.of(identity), keyed),
                request -> views.of(request).map(view -> Answer.of(201, view)));
    }

    @POST
    @Path("/{id}/revoke")
    @RolesAllowed({ Roles.ADMIN, Roles.SERVICE })
    @Operation(summary = "End an active grant now (the approval backend removes the access)")
    @APIResponse(responseCode = "200", description = "Revoked: the request as it is now (EXPIRED, endedReason REVOKED)",
            headers = @Header(name = Idempotency.REPLAYED, description = Idempotency.REPLAYED_DOC,
                    schema = @Schema(type = SchemaType.STRING, enumeration = "true")),
            content = @Content(mediaType = MediaType.APPLICATION_JSON, schema = @Schema(implementation = AccessRequestView.class)))
    public Uni<Response> revoke(@PathParam("orgId") @Pattern(regexp = Ids.ORG_ID, message = Ids.ORG_ID_MESSAGE) String orgId,
            @PathParam("id") @Pattern(regexp = REQUEST_ID, message = REQUEST_ID_MESSAGE) String id,
            @Parameter(in = ParameterIn.HEADER, name = Idempotency.HEADER, description = Idempotency.KEY_DOC,
                    schema = @Schema(type = SchemaType.STRING, minLength = 1, maxLength = 255, pattern = IdempotencyKey.PATTERN))
            @HeaderParam(Idempotency.HEADER) String idempotencyKey,
            @Valid @NotNull AccessRequestDtos.EndRequest body, @Context UriInfo uri) {
        return idempotency.<AccessRequest> run(new KeyedRequest(orgId, idempotencyKey, "POST", uri.getPath(), body),
                keyed -> endings.revoke(orgId, id, body, Caller.of(identity), keyed),
                request -> views.of(request).map(view -> Answer.of(200, view)));
    }

    @POST
    @Path("/{id}/withdraw")
    @Operation(summary = "Give up a pending request: its page stops")
    @APIResponse(responseCode = "200", description = "Withdrawn: the request as it is now (WITHDRAWN)",
            headers = @Header(name = Idempotency.REPLAYED, description = Idempotency.REPLAYED_DOC,
                    schema = @Schema(type = SchemaType.STRING, enumeration = "true")),
            content = @Content(mediaType = MediaType.APPLICATION_JSON, schema = @Schema(implementation = AccessRequestView.class)))
    public Uni<Response> withdraw(@PathParam("orgId") @Pattern(regexp = Ids.ORG_ID, message = Ids.ORG_ID_MESSAGE) String orgId,
            @PathParam("id") @Pattern(regexp = REQUEST_ID, message = REQUEST_ID_MESSAGE) String id,
            @Parameter(in = ParameterIn.HEADER, name = Idempotency.HEADER, description = Idempotency.KEY_DOC,
                    schema = @Schema(type = SchemaType.STRING, minLength = 1, maxLength = 255, pattern = IdempotencyKey.PATTERN))
            @HeaderParam(Idempotency.HEADER) String idempotencyKey,
            @Valid @NotNull AccessRequestDtos.EndRequest body, @Context UriInfo uri) {
        return idempotency.<AccessRequest> run(new KeyedRequest(orgId, idempotencyKey, "POST", uri.getPath(), body),
                keyed -> endings.withdraw(orgId, id, body, Caller.of(identity), keyed),
                request -> views.of(request).map(view -> Answer.of(200, view)));
    }
}
