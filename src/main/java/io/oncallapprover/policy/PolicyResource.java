package io.oncallapprover.policy;

import jakarta.annotation.security.RolesAllowed;
import jakarta.inject.Inject;
import jakarta.validation.constraints.Pattern;
import jakarta.ws.rs.Consumes;
import jakarta.ws.rs.DELETE;
import jakarta.ws.rs.GET;
import jakarta.ws.rs.HeaderParam;
import jakarta.ws.rs.PUT;
import jakarta.ws.rs.Path;
import jakarta.ws.rs.PathParam;
import jakarta.ws.rs.Produces;
import jakarta.ws.rs.core.HttpHeaders;
import jakarta.ws.rs.core.MediaType;
import jakarta.ws.rs.core.Response;

import org.eclipse.microprofile.openapi.annotations.Operation;
import org.eclipse.microprofile.openapi.annotations.parameters.Parameter;
import org.eclipse.microprofile.openapi.annotations.parameters.RequestBody;
import org.eclipse.microprofile.openapi.annotations.responses.APIResponse;
import org.eclipse.microprofile.openapi.annotations.tags.Tag;

import io.oncallapprover.common.Ids;
import io.oncallapprover.security.Caller;
import io.oncallapprover.security.Roles;
import io.quarkus.runtime.annotations.RegisterForReflection;
import io.quarkus.security.identity.SecurityIdentity;
import io.smallrye.mutiny.Uni;

/**
 * The access policy, read and written as one document in JSON or YAML. The body is exactly the
 * document (what GET returns, PUT accepts); its version and author are in the headers.
 */
@Path("/api/v1/orgs/{orgId}/access-policy")
@RegisterForReflection(targets = PolicyParser.class, ignoreNested = false) // the records a document is bound to, in a native image
@Tag(name = "Access policy")
@RolesAllowed({ Roles.ADMIN, Roles.SERVICE })
public class PolicyResource {

    public static final String YAML = "application/yaml";

    /** The document's request body and response in the OpenAPI document (META-INF/openapi.yaml): JSON and YAML alike. */
    static final String DOCUMENT = "AccessPolicyDocument";

    @Inject
    PolicyService policies;

    @Inject
    SecurityIdentity identity;

    @PUT
    @RolesAllowed(Roles.ADMIN)
    @Consumes({ MediaType.APPLICATION_JSON, YAML, "application/x-yaml", "text/yaml" })
    @Produces({ MediaType.APPLICATION_JSON, YAML })
    @Operation(summary = "Replace the routing rules (JSON or YAML), validated whole")
    @APIResponse(responseCode = "200", ref = DOCUMENT)
    public Uni<Response> replace(@PathParam("orgId") @Pattern(regexp = Ids.ORG_ID, message = Ids.ORG_ID_MESSAGE) String orgId,
            @HeaderParam(HttpHeaders.CONTENT_TYPE) String contentType, @HeaderParam(HttpHeaders.ACCEPT) String accept,
            @Parameter(description = "Write only if the stored policy is still the one of this ETag (412 otherwise)")
            @HeaderParam(io.oncallapprover.problem.Preconditions.IF_MATCH) String ifMatch,
            @RequestBody(ref = DOCUMENT) String body) {
        boolean yaml = contentType != null && contentType.toLowerCase().contains("yaml");
        return policies.replace(orgId, body, yaml, Caller.of(identity), ifMatch).map(stored -> respond(stored, accept));
    }

    @GET
    @Produces({ MediaType.APPLICATION_JSON, YAML })
    @Operation(summary = "The routing rules; Accept: application/yaml for YAML. Without a stored policy, the default "
            + "routing, marked by the header " + SOURCE_HEADER + ": default")
    @APIResponse(responseCode = "200", ref = DOCUMENT)
    public Uni<Response> get(@PathParam("orgId") @Pattern(regexp = Ids.ORG_ID, message = Ids.ORG_ID_MESSAGE) String orgId,
            @HeaderParam(HttpHeaders.ACCEPT) String accept) {
        return policies.stored(orgId).map(stored -> respond(stored, accept));
    }

    @DELETE
    @RolesAllowed(Roles.ADMIN)
    @Operation(summary = "Delete the stored routing rules: the organization is routed by default again")
    public Uni<Void> delete(@PathParam("orgId") @Pattern(regexp = Ids.ORG_ID, message = Ids.ORG_ID_MESSAGE) String orgId,
            @Parameter(description = "Delete only if the stored policy is still the one of this ETag (412 otherwise)")
            @HeaderParam(io.oncallapprover.problem.Preconditions.IF_MATCH) String ifMatch) {
        return policies.delete(orgId, Caller.of(identity), ifMatch).replaceWithVoid();
    }

    /** Says where the policy comes from: {@code stored}, or {@code default} (built-in default routing). */
    public static final String SOURCE_HEADER = "Policy-Source";

    private static Response respond(StoredPolicy stored, String accept) {
        boolean yaml = accept != null && accept.toLowerCase().contains("yaml");
        AccessPolicy policy = stored == null ? AccessPolicy.DEFAULT_ROUTING : stored.document.toPolicy();
        String body;
        if (yaml) {
            body = (stored == null ? "# Default routing: no policy is stored for this organization.\n" : "")
                    + PolicyDocument.toYaml(policy);
        } else {
            body = PolicyDocument.toJson(policy);
        }
        Response.ResponseBuilder response = Response.ok(body).type(yaml ? YAML : MediaType.APPLICATION_JSON)
                .header(SOURCE_HEADER, stored == null ? "default" : "stored");
        if (stored != null) {
            response.header(HttpHeaders.ETAG, io.oncallapprover.problem.Preconditions.tagOf(stored.version)).header("Last-Modified-By", stored.updatedBy)
                    .lastModified(java.util.Date.from(stored.updatedAt));
        }
        return response.build();
    }
}
