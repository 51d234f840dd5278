package io.oncallapprover.installation;

import java.time.Clock;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;

import jakarta.inject.Inject;
import jakarta.validation.Valid;
import jakarta.validation.constraints.NotNull;
import jakarta.validation.constraints.Pattern;
import jakarta.validation.constraints.Size;
import jakarta.ws.rs.Consumes;
import jakarta.ws.rs.DELETE;
import jakarta.ws.rs.GET;
import jakarta.ws.rs.PUT;
import jakarta.ws.rs.Path;
import jakarta.ws.rs.PathParam;
import jakarta.ws.rs.Produces;
import jakarta.ws.rs.QueryParam;
import jakarta.ws.rs.HeaderParam;
import jakarta.ws.rs.core.HttpHeaders;
import jakarta.ws.rs.core.MediaType;

import org.eclipse.microprofile.openapi.annotations.parameters.Parameter;
import org.jboss.resteasy.reactive.RestResponse;

import io.oncallapprover.problem.Preconditions;

import org.eclipse.microprofile.openapi.annotations.Operation;
import org.eclipse.microprofile.openapi.annotations.tags.Tag;
import org.eclipse.microprofile.openapi.annotations.media.Schema;

import io.oncallapprover.common.Ids;
import io.oncallapprover.security.Caller;
import io.oncallapprover.security.Roles;
import io.quarkus.security.identity.SecurityIdentity;
import jakarta.annotation.security.RolesAllowed;
import io.oncallapprover.installation.IntegrationRequests.AutoApprovalRequest;
import io.oncallapprover.installation.IntegrationRequests.IncidentSettingsRequest;
import io.oncallapprover.installation.IntegrationRequests.InstallRequest;
import io.oncallapprover.installation.IntegrationRequests.WebhookSettingsRequest;
import io.oncallapprover.oncall.OnCallService;
import io.oncallapprover.oncall.OnCallSet;
import io.quarkus.runtime.annotations.RegisterForReflection;
import io.smallrye.mutiny.Uni;

/**
 * The incident.io installation of an organization: key, schedules, auto-approval schedules, incident
 * settings, on-call view.
 */
@Path("/api/v1/orgs/{orgId}/integrations/incidentio")
@Produces(MediaType.APPLICATION_JSON)
@Consumes(MediaType.APPLICATION_JSON)
@Tag(name = "incident.io integration")
@RolesAllowed({ Roles.ADMIN, Roles.SERVICE })
public class IntegrationResource {

    @Inject
    SecurityIdentity identity;

    @Inject
    IntegrationService integrations;

    @Inject
    IncidentSettingsService settings;

    @Inject
    WebhookSettingsService webhooks;

    @Inject
    OnCallService onCall;

    @Inject
    Clock clock;

    @RegisterForReflection
    public record ScheduleView(String id, @Schema(nullable = true) String name, @Schema(nullable = true) String timezone) {
    }

    @RegisterForReflection
    public record SchedulesView(List<ScheduleView> schedules) {
    }

    @RegisterForReflection
    public record AutoApprovalView(List<String> scheduleIds, boolean deniesAll, Instant updatedAt) {
    }

    @RegisterForReflection
    public record OnCallPerson(String email, @Schema(nullable = true) String name, Instant shiftStart, Instant shiftEnd,
            String fingerprint) {
    }

    @RegisterForReflection
    /** {@code known} false: incident.io does not know the schedule (mistyped, deleted); nobody counts as on call for it. */
    public record OnCallScheduleView(String scheduleId, boolean known, List<OnCallPerson> onCall) {
    }

    @RegisterForReflection
    public record OnCallView(Instant checkedAt, List<OnCallScheduleView> schedules) {
    }

    @PUT
    @RolesAllowed(Roles.ADMIN)
    @Operation(summary = "Install incident.io, or rotate its API key (configuration is kept)")
    public Uni<InstallationView> install(@PathParam("orgId") @Pattern(regexp = Ids.ORG_ID, message = Ids.ORG_ID_MESSAGE) String orgId,
            @Valid @NotNull InstallRequest body) {
        return integrations.install(orgId, body.apiKey(), Caller.of(identity));
    }

    @GET
    @Operation(summary = "Show the installation (the key only as its last four characters)")
    public Uni<InstallationView> show(@PathParam("orgId") @Pattern(regexp = Ids.ORG_ID, message = Ids.ORG_ID_MESSAGE) String orgId) {
        return integrations.readRequired(orgId).map(InstallationView::of);
    }

    @DELETE
    @RolesAllowed(Roles.ADMIN)
    @Operation(summary = "Uninstall incident.io")
    public Uni<Void> uninstall(@PathParam("orgId") @Pattern(regexp = Ids.ORG_ID, message = Ids.ORG_ID_MESSAGE) String orgId) {
        return integrations.uninstall(orgId, Caller.of(identity)).map(deleted -> {
            if (!deleted) {
                throw io.oncallapprover.problem.ApiException.notInstalled(orgId);
            }
            return null;
        });
    }

    @GET
    @Path("/schedules")
    @Operation(summary = "Every schedule of the incident.io account, for the schedule picker")
    public Uni<SchedulesView> schedules(@PathParam("orgId") @Pattern(regexp = Ids.ORG_ID, message = Ids.ORG_ID_MESSAGE) String orgId) {
        return integrations.schedules(orgId).map(list -> new SchedulesView(
                list.stream().map(s -> new ScheduleView(s.id(), s.name(), s.timezone())).toList()));
    }

    @PUT
    @Path("/auto-approval")
    @RolesAllowed(Roles.ADMIN)
    @Operation(summary = "Set the auto-approval schedules (an empty list denies every request)")
    public Uni<RestResponse<AutoApprovalView>> setAutoApproval(
            @PathParam("orgId") @Pattern(regexp = Ids.ORG_ID, message = Ids.ORG_ID_MESSAGE) String orgId,
            @Parameter(description = "Write only if the schedules are still those of this ETag (412 otherwise)")
            @HeaderParam(Preconditions.IF_MATCH) String ifMatch,
            @Valid @NotNull AutoApprovalRequest body) {
        return integrations.setAutoApprovalSchedules(orgId, body.scheduleIds(), Caller.of(identity), ifMatch)
                .map(IntegrationResource::autoApprovalOf);
    }

    @GET
    @Path("/auto-approval")
    @Operation(summary = "The auto-approval schedules, with their ETag")
    public Uni<RestResponse<AutoApprovalView>> autoApproval(
            @PathParam("orgId") @Pattern(regexp = Ids.ORG_ID, message = Ids.ORG_ID_MESSAGE) String orgId) {
        return integrations.readRequired(orgId).map(IntegrationResource::autoApprovalOf);
    }

    private static RestResponse<AutoApprovalView> autoApprovalOf(Integration i) {
        return RestResponse.ResponseBuilder.ok(new AutoApprovalView(i.autoApprovalSchedules(), i.autoApprovalScheduleIds.length == 0,
                i.updatedAt)).header(HttpHeaders.ETAG, i.autoApprovalTag()).build();
    }

    @PUT
    @Path("/incident-settings")
    @RolesAllowed(Roles.ADMIN)
    @Operation(summary = "Set the severity, incident type and mode of escalation incidents (ids checked against incident.io; null: the global default)")
    public Uni<RestResponse<IncidentSettingsView>> setIncidentSettings(
            @PathParam("orgId") @Pattern(regexp = Ids.ORG_ID, message = Ids.ORG_ID_MESSAGE) String orgId,
            @Parameter(description = "Write only if the settings are still those of this ETag (412 otherwise)")
            @HeaderParam(Preconditions.IF_MATCH) String ifMatch,
            @Valid @NotNull IncidentSettingsRequest body) {
        return settings.set(orgId, body, Caller.of(identity), ifMatch).map(IntegrationResource::tagged);
    }

    @GET
    @Path("/incident-settings")
    @Operation(summary = "The severity, incident type and mode escalation incidents are created with, with their ETag")
    public Uni<RestResponse<IncidentSettingsView>> showIncidentSettings(
            @PathParam("orgId") @Pattern(regexp = Ids.ORG_ID, message = Ids.ORG_ID_MESSAGE) String orgId) {
        return settings.show(orgId).map(IntegrationResource::tagged);
    }

    private static RestResponse<IncidentSettingsView> tagged(IncidentSettingsService.Tagged view) {
        return RestResponse.ResponseBuilder.ok(view.view()).header(HttpHeaders.ETAG, view.tag()).build();
    }

    @PUT
    @Path("/webhook")
    @RolesAllowed(Roles.ADMIN)
    @Operation(summary = "Set the signing secret of the incident.io webhook endpoint, and whether a resolved escalation incident closes its pending request")
    public Uni<WebhookSettingsView> setWebhook(
            @PathParam("orgId") @Pattern(regexp = Ids.ORG_ID, message = Ids.ORG_ID_MESSAGE) String orgId,
            @Valid @NotNull WebhookSettingsRequest body) {
        return webhooks.set(orgId, body, Caller.of(identity));
    }

    @GET
    @Path("/webhook")
    @Operation(summary = "Whether incident.io webhooks are accepted, and the endpoint to register in incident.io")
    public Uni<WebhookSettingsView> showWebhook(
            @PathParam("orgId") @Pattern(regexp = Ids.ORG_ID, message = Ids.ORG_ID_MESSAGE) String orgId) {
        return webhooks.show(orgId);
    }

    @DELETE
    @Path("/webhook")
    @RolesAllowed(Roles.ADMIN)
    @Operation(summary = "Remove the signing secret: deliveries are refused from then on")
    public Uni<WebhookSettingsView> removeWebhook(
            @PathParam("orgId") @Pattern(regexp = Ids.ORG_ID, message = Ids.ORG_ID_MESSAGE) String orgId) {
        return webhooks.remove(orgId, Caller.of(identity));
    }

    @GET
    @Path("/on-call")
    @Operation(summary = "Who is on call now, per schedule (default: the auto-approval schedules)")
    public Uni<OnCallView> onCall(@PathParam("orgId") @Pattern(regexp = Ids.ORG_ID, message = Ids.ORG_ID_MESSAGE) String orgId,
            @QueryParam("scheduleId") @Size(max = Ids.MAX_SCHEDULES) List<@Pattern(regexp = Ids.SCHEDULE_ID,
                    message = Ids.SCHEDULE_ID_MESSAGE) String> scheduleIds) {
        return integrations.readRequired(orgId)
                .flatMap(integration -> {
                    List<String> ids = scheduleIds == null || scheduleIds.isEmpty()
                            ? integration.autoApprovalSchedules()
                            : List.copyOf(new java.util.LinkedHashSet<>(scheduleIds));
                    return onCall.onCallNow(orgId, integrations.keyOf(integration), ids);
                })
                .map(sets -> new OnCallView(clock.instant(), toViews(sets)));
    }

    private static List<OnCallScheduleView> toViews(List<OnCallSet> sets) {
        List<OnCallScheduleView> views = new ArrayList<>();
        for (OnCallSet set : sets) {
            views.add(new OnCallScheduleView(set.scheduleId(), set.known(), set.shifts().stream()
                    .map(s -> new OnCallPerson(s.email(), s.userName(), s.shiftStart(), s.shiftEnd(), s.fingerprint()))
                    .toList()));
        }
        return views;
    }
}
