package io.oncallapprover.bench;

import jakarta.annotation.security.RolesAllowed;
import jakarta.validation.Valid;
import jakarta.validation.constraints.NotNull;
import jakarta.validation.constraints.Pattern;
import jakarta.ws.rs.Consumes;
import jakarta.ws.rs.POST;
import jakarta.ws.rs.Path;
import jakarta.ws.rs.PathParam;
import jakarta.ws.rs.Produces;
import jakarta.ws.rs.core.MediaType;

import org.eclipse.microprofile.openapi.annotations.Operation;

import io.oncallapprover.check.ApprovalCheckResource.AutoCheckRequest;
import io.oncallapprover.common.Ids;
import io.oncallapprover.security.Roles;
import io.quarkus.runtime.annotations.RegisterForReflection;
import io.smallrye.mutiny.Uni;

/**
 * BENCHMARK ONLY, never packaged in the service: built only by the Maven profile {@code bench}
 * (into target/bench-build). The ceiling of the auto-approval check: the same route shape under
 * {@code /api/v1/orgs/{orgId}} (so the organization filter runs too), the same bearer JWT
 * verification and role check, the same JSON body bound and validated
 * ({@link AutoCheckRequest}), a reactive answer on the event loop - and nothing else: no
 * database, no policy, no on-call data. bench/run.sh divides the check's throughput by this
 * endpoint's, measured in the same JVM and the same run.
 */
@Path("/api/v1/orgs/{orgId}/bench/ceiling")
@Produces(MediaType.APPLICATION_JSON)
@Consumes(MediaType.APPLICATION_JSON)
@RolesAllowed(Roles.SERVICE)
public class CeilingResource {

    @RegisterForReflection
    public record CeilingAnswer(boolean approved, String code, String requester) {
    }

    @POST
    @Operation(hidden = true)
    public Uni<CeilingAnswer> ceiling(@PathParam("orgId") @Pattern(regexp = Ids.ORG_ID, message = Ids.ORG_ID_MESSAGE) String orgId,
            @Valid @NotNull AutoCheckRequest body) {
        return Uni.createFrom().item(new CeilingAnswer(false, "CEILING", body.requester()));
    }
}
