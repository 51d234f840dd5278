package io.oncallapprover.approval;

import jakarta.inject.Inject;
import jakarta.validation.Valid;
import jakarta.validation.constraints.Email;
import jakarta.validation.constraints.NotBlank;
import jakarta.validation.constraints.NotNull;
import jakarta.validation.constraints.Pattern;
import jakarta.validation.constraints.Size;
import jakarta.ws.rs.Consumes;
import jakarta.ws.rs.POST;
import jakarta.ws.rs.Path;
import jakarta.ws.rs.PathParam;
import jakarta.ws.rs.Produces;
import jakarta.ws.rs.core.MediaType;

import org.eclipse.microprofile.openapi.annotations.Operation;
import org.eclipse.microprofile.openapi.annotations.tags.Tag;

import io.oncallapprover.common.Ids;
import io.oncallapprover.security.Roles;
import jakarta.annotation.security.RolesAllowed;
import io.oncallapprover.oncall.Emails;
import io.quarkus.runtime.annotations.RegisterForReflection;
import io.smallrye.mutiny.Uni;

/** Read-only checks for chat bots: answers within a chat round trip, changes nothing. */
@Path("/api/v1/orgs/{orgId}/approval-checks")
@Produces(MediaType.APPLICATION_JSON)
@Consumes(MediaType.APPLICATION_JSON)
@Tag(name = "Approval checks")
@RolesAllowed(Roles.SERVICE)
public class ApprovalCheckResource {

    @Inject
    AutoApprovalService autoApproval;

    @RegisterForReflection
    public record AutoCheckRequest(
            @NotBlank @Email(regexp = Ids.EMAIL, message = Ids.EMAIL_MESSAGE) @Size(max = 254) String requester,
            @Size(max = 2000) String reason) {
    }

    @POST
    @Path("/auto")
    @Operation(summary = "Would this requester be auto-approved now?")
    public Uni<AutoApprovalDecision> auto(@PathParam("orgId") @Pattern(regexp = Ids.ORG_ID, message = Ids.ORG_ID_MESSAGE) String orgId,
            @Valid @NotNull AutoCheckRequest body) {
        // The access policy (requireReason per rule) arrives with access requests; until then no reason is required.
        return autoApproval.check(orgId, Emails.normalize(body.requester()), body.reason(), false);
    }
}
