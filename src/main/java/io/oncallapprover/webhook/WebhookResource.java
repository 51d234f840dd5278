package io.oncallapprover.webhook;

import jakarta.annotation.security.PermitAll;
import jakarta.inject.Inject;
import jakarta.validation.constraints.Pattern;
import jakarta.ws.rs.Consumes;
import jakarta.ws.rs.HeaderParam;
import jakarta.ws.rs.POST;
import jakarta.ws.rs.Path;
import jakarta.ws.rs.PathParam;
import jakarta.ws.rs.Produces;
import jakarta.ws.rs.core.MediaType;
import jakarta.ws.rs.core.Response;

import org.eclipse.microprofile.openapi.annotations.Operation;
import org.eclipse.microprofile.openapi.annotations.enums.SchemaType;
import org.eclipse.microprofile.openapi.annotations.media.Content;
import org.eclipse.microprofile.openapi.annotations.media.Schema;
import org.eclipse.microprofile.openapi.annotations.parameters.RequestBody;
import org.eclipse.microprofile.openapi.annotations.responses.APIResponse;
import org.eclipse.microprofile.openapi.annotations.security.SecurityRequirements;
import org.eclipse.microprofile.openapi.annotations.tags.Tag;

import io.oncallapprover.common.Ids;
import io.smallrye.mutiny.Uni;

/**
 * The endpoint registered in incident.io as the organization's webhook URL. It is authenticated by
 * the delivery's signature (the organization's signing secret), not by a JWT: incident.io has none.
 * 202 when a delivery is stored for processing, 200 when its id was seen before.
 */
@Path("/api/v1/orgs/{orgId}/webhooks/incidentio")
@Tag(name = "incident.io webhooks")
@PermitAll
@SecurityRequirements // no bearer token: the signature authenticates
public class WebhookResource {

    /** What a delivery's sender is told. */
    public record ReceiptView(String webhookId, String eventType, boolean duplicate) {
    }

    @Inject
    WebhookReceiver receiver;

    @POST
    @Consumes(MediaType.WILDCARD)
    @Produces(MediaType.APPLICATION_JSON)
    @Operation(summary = "Receive a signed incident.io webhook delivery (Standard Webhooks signature)")
    @APIResponse(responseCode = "202", description = "Stored for processing", content = @Content(
            mediaType = MediaType.APPLICATION_JSON, schema = @Schema(implementation = ReceiptView.class)))
    @APIResponse(responseCode = "200", description = "Seen before: nothing more is done", content = @Content(
            mediaType = MediaType.APPLICATION_JSON, schema = @Schema(implementation = ReceiptView.class)))
    public Uni<Response> receive(@PathParam("orgId") @Pattern(regexp = Ids.ORG_ID, message = Ids.ORG_ID_MESSAGE) String orgId,
            @HeaderParam("webhook-id") String id, @HeaderParam("webhook-timestamp") String timestamp,
            @HeaderParam("webhook-signature") String signature,
            @RequestBody(required = true, description = "An incident.io event: a JSON object with its event_type", content = @Content(
                    mediaType = MediaType.APPLICATION_JSON, schema = @Schema(type = SchemaType.OBJECT,
                            requiredProperties = "event_type"))) byte[] body) {
        return receiver.receive(orgId, id, timestamp, signature, body == null ? new byte[0] : body)
                .map(receipt -> Response.status(receipt.duplicate() ? 200 : 202)
                        .entity(new ReceiptView(receipt.webhookId(), receipt.eventType(), receipt.duplicate())).build());
    }
}
