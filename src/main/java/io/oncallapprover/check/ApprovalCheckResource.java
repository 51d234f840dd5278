package io.oncallapprover.check;

import io.oncallapprover.approval.AutoApprovalService;
import io.oncallapprover.approval.ApproverCheckService;
import io.oncallapprover.approval.AutoApprovalDecision;
import io.oncallapprover.approval.ApproverDecision;
import io.oncallapprover.approval.CheckCode;

import java.util.List;

import jakarta.annotation.security.RolesAllowed;
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
import io.oncallapprover.organization.OrgSnapshots;
import io.oncallapprover.common.Emails;
import io.oncallapprover.policy.RequestedResource;
import io.oncallapprover.problem.ApiException;
import io.oncallapprover.problem.FieldError;
import io.oncallapprover.request.AccessRequestDtos.ResourceRef;
import io.oncallapprover.request.AccessRequestService;
import io.oncallapprover.security.Roles;
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

    @Inject
    ApproverCheckService approverCheck;

    @Inject
    AccessRequestService requests;

    @Inject
    OrgSnapshots snapshots;

    @Inject
    java.time.Clock clock;

    @RegisterForReflection
    public record AutoCheckRequest(
            @NotBlank @Email(regexp = Ids.EMAIL, message = Ids.EMAIL_MESSAGE) @Size(max = 254) String requester,
            @Size(max = 2000) String reason,
            @Valid ResourceRef resource) {
    }

    @RegisterForReflection
    public record ApproverCheckRequest(
            @NotBlank @Email(regexp = Ids.EMAIL, message = Ids.EMAIL_MESSAGE) @Size(max = 254) String approver,
            @Pattern(regexp = "[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}", message = "must be an access request id") String requestId,
            @Size(max = Ids.MAX_SCHEDULES) List<@NotNull @Pattern(regexp = Ids.SCHEDULE_ID, message = Ids.SCHEDULE_ID_MESSAGE) String> scheduleIds) {
    }

    @POST
    @Path("/auto")
    @Operation(summary = "Would this requester be auto-approved now (for this resource, when given)?")
    public Uni<AutoApprovalDecision> auto(@PathParam("orgId") @Pattern(regexp = Ids.ORG_ID, message = Ids.ORG_ID_MESSAGE) String orgId,
            @Valid @NotNull AutoCheckRequest body) {
        RequestedResource resource = body.resource() == null ? null
                : new RequestedResource(body.resource().type(), body.resource().service(), body.resource().name());
        return autoApproval.check(orgId, Emails.normalize(body.requester()), body.reason(), resource);
    }

    @POST
    @Path("/approver")
    @Operation(summary = "May this person approve now: a request (by id) or on-call for schedules (by ids)?")
    public Uni<ApproverDecision> approver(@PathParam("orgId") @Pattern(regexp = Ids.ORG_ID, message = Ids.ORG_ID_MESSAGE) String orgId,
            @Valid @NotNull ApproverCheckRequest body) {
        boolean byRequest = body.requestId() != null;
        boolean bySchedules = body.scheduleIds() != null && !body.scheduleIds().isEmpty();
        if (byRequest == bySchedules) {
            throw ApiException.invalid("Give either requestId or scheduleIds.",
                    List.of(new FieldError(byRequest ? "scheduleIds" : "requestId", "give exactly one of requestId and scheduleIds")));
        }
        String approver = Emails.normalize(body.approver());
        if (byRequest) {
            return requests.checkApprover(orgId, body.requestId(), approver);
        }
        return snapshots.of(orgId).flatMap(org -> org.installation().isEmpty()
                ? Uni.createFrom().item(ApproverDecision.refused(CheckCode.NOT_INSTALLED,
                        "incident.io is not installed for this organization, so nobody may approve.", clock.instant()))
                : approverCheck.forSchedules(orgId, org.installation().get().key(), approver,
                        List.copyOf(new java.util.LinkedHashSet<>(body.scheduleIds()))));
    }
}
