package io.oncallapprover.events;

import java.util.List;

import org.eclipse.microprofile.openapi.OASFactory;
import org.eclipse.microprofile.openapi.OASFilter;
import org.eclipse.microprofile.openapi.models.OpenAPI;
import org.eclipse.microprofile.openapi.models.media.Schema;

import io.oncallapprover.request.RequestEventType;
import io.quarkus.smallrye.openapi.OpenApiFilter;

/**
 * Writes a schema per event type into the OpenAPI document, at build time: {@code RequestEvent} with its
 * {@code type} fixed and the fields that type carries required (e.g. {@code approvedBy} of
 * {@code access_request.approved}); and, under {@code webhooks}, what each type's push to an event
 * destination looks like (OpenAPI 3.1), signed with the {@code webhook-*} headers.
 */
@OpenApiFilter(OpenApiFilter.RunStage.BUILD)
public class EventSchemas implements OASFilter {

    private static final String SCHEMAS = "#/components/schemas/";

    @Override
    public void filterOpenAPI(OpenAPI openAPI) {
        if (openAPI.getComponents().getSchemas().get("RequestEvent") == null) {
            throw new IllegalStateException("EventSchemas: the document has no RequestEvent schema");
        }
        for (RequestEventType type : RequestEventType.values()) {
            String name = schemaName(type);
            Schema own = OASFactory.createSchema().addType(Schema.SchemaType.OBJECT)
                    .addProperty("type", OASFactory.createSchema().addType(Schema.SchemaType.STRING).enumeration(List.of(type.wire())))
                    .addRequired("type");
            switch (type) {
                case APPROVED -> own.addProperty("approvedBy", OASFactory.createSchema().addType(Schema.SchemaType.STRING)
                        .enumeration(List.of("auto", "person", "reevaluation"))).addRequired("approvedBy");
                case GRANT_ENDED -> own.addProperty("endedReason", OASFactory.createSchema().addType(Schema.SchemaType.STRING)
                        .description("REVOKED, or the shift change that ended the grant")).addRequired("endedReason");
                default -> {
                }
            }
            openAPI.getComponents().addSchema(name, OASFactory.createSchema()
                    .description("The event " + type.wire() + ": " + meaning(type))
                    .addAllOf(OASFactory.createSchema().ref(SCHEMAS + "RequestEvent")).addAllOf(own));
            openAPI.addWebhook(type.wire(), OASFactory.createPathItem().POST(OASFactory.createOperation()
                    .summary("Pushed to each event destination that takes " + type.wire())
                    .description("Signed as incident.io signs its webhooks (Standard Webhooks): webhook-id is the event id,"
                            + " webhook-signature is v1,<base64 HMAC-SHA256 of {webhook-id}.{webhook-timestamp}.{body}> keyed"
                            + " with the destination's secret. Answer 2xx once handled; anything else is retried for 24 h.")
                    .addParameter(header("webhook-id")).addParameter(header("webhook-timestamp"))
                    .addParameter(header("webhook-signature"))
                    .requestBody(OASFactory.createRequestBody().required(true).content(OASFactory.createContent()
                            .addMediaType("application/json", OASFactory.createMediaType()
                                    .schema(OASFactory.createSchema().ref(SCHEMAS + name)))))
                    .responses(OASFactory.createAPIResponses().addAPIResponse("2XX",
                            OASFactory.createAPIResponse().description("Delivered: the next event follows")))));
        }
    }

    /** {@code access_request.grant_ended} is described by {@code AccessRequestGrantEndedEvent}. */
    public static String schemaName(RequestEventType type) {
        StringBuilder name = new StringBuilder();
        for (String part : type.wire().split("[._]")) {
            name.append(Character.toUpperCase(part.charAt(0))).append(part.substring(1));
        }
        return name.append("Event").toString();
    }

    private static org.eclipse.microprofile.openapi.models.parameters.Parameter header(String name) {
        return OASFactory.createParameter().name(name).in(org.eclipse.microprofile.openapi.models.parameters.Parameter.In.HEADER)
                .required(true).schema(OASFactory.createSchema().addType(Schema.SchemaType.STRING));
    }

    private static String meaning(RequestEventType type) {
        return switch (type) {
            case CREATED -> "a request was made.";
            case APPROVED -> "approved at creation (auto), by a person, or on re-evaluation (approvedBy).";
            case DENIED -> "a person denied it.";
            case ESCALATED -> "the on-call team is paged (or paged again after a failure).";
            case PAGE_CREATED -> "incident.io made the incident, or one of the escalations.";
            case PAGE_FAILED -> "the incident or an escalation could not be made, after every attempt.";
            case EXPIRED -> "the grant's time or the pending time is over.";
            case GRANT_ENDED -> "a shift change or a revoke ended an active grant (endedReason).";
            case WITHDRAWN -> "a pending request was withdrawn; its page stops.";
            case INCIDENT_RESOLVED -> "the request's page was resolved in incident.io while it was pending.";
        };
    }
}
