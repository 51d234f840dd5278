package io.oncallapprover.security;

import java.util.List;
import java.util.regex.Pattern;

import jakarta.inject.Inject;
import jakarta.ws.rs.container.ContainerRequestContext;
import jakarta.ws.rs.core.Response;
import jakarta.ws.rs.core.UriInfo;

import org.jboss.resteasy.reactive.server.ServerRequestFilter;

import io.oncallapprover.common.Ids;
import io.oncallapprover.problem.ApiException;
import io.oncallapprover.problem.FieldError;
import io.oncallapprover.problem.ProblemCode;
import io.oncallapprover.problem.ProblemMappers;
import io.quarkus.security.identity.CurrentIdentityAssociation;
import io.smallrye.mutiny.Uni;

/**
 * Tenant isolation: the organization in the path must be one of the token's {@code orgs}. Reading
 * anything of another organization, or acting on one of its resources by id, answers 404 so that
 * nothing of it is revealed; other calls for another organization answer 403. Roles are checked
 * before this filter runs ({@code @RolesAllowed} on every resource).
 */
public class OrgAccessFilter {

    private static final Pattern ORG_ID = Pattern.compile(Ids.ORG_ID);

    @Inject
    CurrentIdentityAssociation identities;

    @ServerRequestFilter
    public Uni<Response> requireOrganization(ContainerRequestContext request, UriInfo uri) {
        String orgId = uri.getPathParameters().getFirst("orgId");
        if (orgId == null) {
            return Uni.createFrom().nullItem();
        }
        if (!ORG_ID.matcher(orgId).matches()) {
            return Uni.createFrom().item(ProblemMappers.toResponse(ApiException.invalid(
                    "The request is invalid: orgId " + Ids.ORG_ID_MESSAGE + ".",
                    List.of(new FieldError("orgId", Ids.ORG_ID_MESSAGE))), uri.getPath()));
        }
        return identities.getDeferredIdentity().map(identity -> {
            if (identity.isAnonymous()) {
                return null; // the role check has already answered 401 where a role is required
            }
            if (Caller.of(identity).mayActFor(orgId)) {
                return null;
            }
            boolean read = "GET".equals(request.getMethod()) || "HEAD".equals(request.getMethod());
            boolean byId = uri.getPathParameters().containsKey("id");
            ApiException refusal = read || byId
                    ? new ApiException(404, ProblemCode.NOT_FOUND, "Not found.")
                    : new ApiException(403, ProblemCode.FORBIDDEN,
                            "The caller may not act for organization " + orgId + ".");
            return ProblemMappers.toResponse(refusal, uri.getPath());
        });
    }
}
