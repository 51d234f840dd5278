package io.oncallapprover.incidentio;

import jakarta.ws.rs.Consumes;
import jakarta.ws.rs.GET;
import jakarta.ws.rs.HeaderParam;
import jakarta.ws.rs.POST;
import jakarta.ws.rs.Path;
import jakarta.ws.rs.PathParam;
import jakarta.ws.rs.Produces;
import jakarta.ws.rs.QueryParam;
import jakarta.ws.rs.core.MediaType;

import org.eclipse.microprofile.rest.client.annotation.RegisterProvider;
import org.eclipse.microprofile.rest.client.inject.RegisterRestClient;

import io.oncallapprover.incidentio.IncidentIoDtos.CatalogTypesResponse;
import io.oncallapprover.incidentio.IncidentIoDtos.CreateCustomFieldRequest;
import io.oncallapprover.incidentio.IncidentIoDtos.CreateEscalationRequest;
import io.oncallapprover.incidentio.IncidentIoDtos.CreateIncidentRequest;
import io.oncallapprover.incidentio.IncidentIoDtos.EscalationPathResponse;
import io.oncallapprover.incidentio.IncidentIoDtos.EscalationResponse;
import io.oncallapprover.incidentio.IncidentIoDtos.EditIncidentRequest;
import io.oncallapprover.incidentio.IncidentIoDtos.IncidentResponse;
import io.oncallapprover.incidentio.IncidentIoDtos.CustomFieldResponse;
import io.oncallapprover.incidentio.IncidentIoDtos.CustomFieldsResponse;
import io.oncallapprover.incidentio.IncidentIoDtos.IdentityResponse;
import io.oncallapprover.incidentio.IncidentIoDtos.IncidentTypesResponse;
import io.oncallapprover.incidentio.IncidentIoDtos.SeveritiesResponse;
import io.oncallapprover.incidentio.IncidentIoDtos.ScheduleEntriesPage;
import io.oncallapprover.incidentio.IncidentIoDtos.SchedulesPage;
import io.smallrye.mutiny.Uni;

/**
 * The incident.io endpoints this service calls. The bearer key is passed per call because every
 * organization brings its own key; use {@link IncidentIoClient}, which adds timeouts, retries,
 * pagination and error classification on top.
 */
@RegisterRestClient(configKey = "incidentio")
@RegisterProvider(IncidentIoErrorMapper.class)
@Produces(MediaType.APPLICATION_JSON)
@Consumes(MediaType.APPLICATION_JSON)
public interface IncidentIoApi {

    @GET
    @Path("/v1/identity")
    Uni<IdentityResponse> identity(@HeaderParam("Authorization") String authorization);

    @GET
    @Path("/v2/schedules")
    Uni<SchedulesPage> schedules(@HeaderParam("Authorization") String authorization,
            @QueryParam("page_size") int pageSize, @QueryParam("after") String after);

    @GET
    @Path("/v2/schedule_entries")
    Uni<ScheduleEntriesPage> scheduleEntries(@HeaderParam("Authorization") String authorization,
            @QueryParam("schedule_id") String scheduleId,
            @QueryParam("entry_window_start") String entryWindowStart,
            @QueryParam("entry_window_end") String entryWindowEnd);

    @GET
    @Path("/v3/catalog_types")
    Uni<CatalogTypesResponse> catalogTypes(@HeaderParam("Authorization") String authorization);

    @GET
    @Path("/v2/custom_fields")
    Uni<CustomFieldsResponse> customFields(@HeaderParam("Authorization") String authorization);

    @POST
    @Path("/v2/custom_fields")
    Uni<CustomFieldResponse> createCustomField(@HeaderParam("Authorization") String authorization,
            CreateCustomFieldRequest request);

    @GET
    @Path("/v1/severities")
    Uni<SeveritiesResponse> severities(@HeaderParam("Authorization") String authorization);

    @GET
    @Path("/v1/incident_types")
    Uni<IncidentTypesResponse> incidentTypes(@HeaderParam("Authorization") String authorization);

    @POST
    @Path("/v2/incidents")
    Uni<IncidentResponse> createIncident(@HeaderParam("Authorization") String authorization, CreateIncidentRequest request);

    @GET
    @Path("/v2/incidents/{id}")
    Uni<IncidentResponse> incident(@HeaderParam("Authorization") String authorization, @PathParam("id") String id);

    @POST
    @Path("/v2/incidents/{id}/actions/edit")
    Uni<IncidentResponse> editIncident(@HeaderParam("Authorization") String authorization, @PathParam("id") String id,
            EditIncidentRequest request);

    @POST
    @Path("/v2/escalations")
    Uni<EscalationResponse> createEscalation(@HeaderParam("Authorization") String authorization,
            CreateEscalationRequest request);

    /** Answers 200 with no body. */
    @POST
    @Path("/v2/escalations/{id}/actions/cancel")
    Uni<jakarta.ws.rs.core.Response> cancelEscalation(@HeaderParam("Authorization") String authorization,
            @PathParam("id") String id);

    @GET
    @Path("/v2/escalations/{id}")
    Uni<EscalationResponse> escalation(@HeaderParam("Authorization") String authorization, @PathParam("id") String id);

    @GET
    @Path("/v2/escalation_paths/{id}")
    Uni<EscalationPathResponse> escalationPath(@HeaderParam("Authorization") String authorization, @PathParam("id") String id);
}
